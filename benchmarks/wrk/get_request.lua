-- GET existing PlanningRequests, rotating through a list of their ids.
--
--   wrk -s get_request.lua http://127.0.0.1:8000 -- IDS_FILE TOKEN
--
-- IDS_FILE: one resource id per line (benchmarks/run.py creates them with
-- POSTs first). Each thread starts at its own place in the list. TOKEN: the
-- bearer token of a party those resources name ("-" sends none).

dofile(string.match(debug.getinfo(1, "S").source, "^@(.*/)") .. "report.lua")

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

local paths = {}
local position = 0

function init(args)
  for id in io.lines(args[1]) do
    if #id > 0 then
      table.insert(paths, "/planning/requests/" .. id)
    end
  end
  assert(#paths > 0, "no ids in " .. args[1])
  position = ((thread_number or 1) * 7919) % #paths
  wrk.method = "GET"
  wrk.headers["Accept"] = "application/json"
  if args[2] and args[2] ~= "-" then
    wrk.headers["Authorization"] = "Bearer " .. args[2]
  end
end

function request()
  position = position % #paths + 1
  return wrk.format(nil, paths[position])
end
