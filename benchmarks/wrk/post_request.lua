-- POST a PlanningRequest with a unique documentId per request.
--
--   wrk -s post_request.lua http://127.0.0.1:8000/planning/requests -- TEMPLATE TOKEN TAG
--
-- TEMPLATE: the official PlanningRequest example (JSON) with its documentId
-- value replaced by @@DOCUMENT_ID@@ (benchmarks/run.py writes it from the
-- spec folder); each request puts TAG-<thread>-<counter> there, so every POST
-- of every thread of every run creates a new resource. TOKEN: the bearer
-- token of a party the example names ("-" sends no Authorization header).

dofile(string.match(debug.getinfo(1, "S").source, "^@(.*/)") .. "report.lua")

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

local prefix, suffix, tag
local counter = 0

function init(args)
  local file = assert(io.open(args[1], "rb"))
  local template = file:read("*a")
  file:close()
  local marker = "@@DOCUMENT_ID@@"
  local at = assert(string.find(template, marker, 1, true), "no " .. marker .. " in " .. args[1])
  prefix = string.sub(template, 1, at - 1)
  suffix = string.sub(template, at + #marker)
  tag = (args[3] or "bench") .. "-" .. (thread_number or 0) .. "-"
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["setuVersionId"] = "2.0"
  if args[2] and args[2] ~= "-" then
    wrk.headers["Authorization"] = "Bearer " .. args[2]
  end
end

function request()
  counter = counter + 1
  return wrk.format(nil, nil, nil, prefix .. tag .. counter .. suffix)
end
