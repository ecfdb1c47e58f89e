"""The parties file: loading and checking it, opaque bearer tokens, and `setu-planning token`."""

from __future__ import annotations

import base64
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from setu_planning.domain.parties import Party, PartyIdentifier
from setu_planning.interface.parties import (
    Authenticator,
    EndpointTokenMissing,
    PartiesFileError,
    Unauthenticated,
    UnknownParty,
    create_token,
    load_parties,
    token_hash,
)

OTTO_TOKEN = "otto-token-9c0e1f5a2b7d4c3e8f6a1b2c3d4e5f60"
ACME_TOKEN = "acme-token-1f2e3d4c5b6a79880716253443526170"

EXAMPLE = f"""\
# Counterparties of this service.

[parties.otto-planning]                    # the party's name, used in audit trails and logs
identifiers = [{{ value = "OTTO_NLTHO001", schemeAgencyId = "Customer" }}]   # as in supplier/id or customer/id
tokens = ["{token_hash(OTTO_TOKEN)}"]                  # hashes, never tokens
endpoint = "https://planning.otto.example"      # base URL; the client appends /planning/...
endpoint_token_env = "OTTO_PLANNING_TOKEN"      # bearer token we present there
setu_version = "1.0"
format = "xml"

[parties.acme_staffing]
identifiers = [
  {{ value = "ACME", schemeAgencyId = "Supplier" }},
  {{ value = "NL123456789B01", schemeAgencyId = "VAT" }},
]
tokens = [
  "{token_hash(ACME_TOKEN)}",  # issued 2025-01
]

[parties."outbound.only"]
identifiers = [{{ value = "OUT", schemeAgencyId = "Customer" }}]
endpoint = "http://localhost:8080/"
endpoint_token_env = "OUT_TOKEN"
"""


def write(folder: Path, text: str, name: str = "parties.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def example(tmp_path) -> Path:
    return write(tmp_path, EXAMPLE)


@pytest.fixture
def authenticator(example) -> Authenticator:
    return Authenticator(load_parties(example))


# -- loading -------------------------------------------------------------------------------


def test_the_pinned_example_shape_loads_into_domain_parties(example):
    directory = load_parties(example)
    otto = directory["otto-planning"]
    assert otto.party == Party("otto-planning", frozenset({PartyIdentifier("OTTO_NLTHO001", "Customer")}))
    assert otto.token_hashes == {token_hash(OTTO_TOKEN)}
    assert otto.jwt is None
    assert otto.endpoint.url == "https://planning.otto.example"
    assert otto.endpoint.token_env == "OTTO_PLANNING_TOKEN"
    assert (otto.endpoint.setu_version, otto.endpoint.format) == ("1.0", "xml")
    assert directory["acme_staffing"].party.identifiers == {
        PartyIdentifier("ACME", "Supplier"),
        PartyIdentifier("NL123456789B01", "VAT"),
    }


def test_endpoint_settings_default_to_setu_2_0_json_and_lose_a_trailing_slash(example):
    endpoint = load_parties(example)["outbound.only"].endpoint
    assert (endpoint.url, endpoint.setu_version, endpoint.format) == ("http://localhost:8080", "2.0", "json")


def test_a_lossy_rendering_is_sent_with_a_warning_unless_the_party_says_refuse(tmp_path, example):
    assert load_parties(example)["otto-planning"].endpoint.lossy == "warn", "the default"
    path = write(tmp_path, EXAMPLE.replace('format = "xml"\n', 'format = "xml"\nlossy = "refuse"\n'), "refuse.toml")
    assert load_parties(path)["otto-planning"].endpoint.lossy == "refuse"


def test_a_party_without_credentials_loads_as_an_outbound_target_that_cannot_authenticate(example):
    outbound = load_parties(example)["outbound.only"]
    assert outbound.token_hashes == frozenset()
    assert not outbound.can_authenticate


def test_the_directory_offers_lookup_iteration_and_the_outbound_targets(example):
    directory = load_parties(example)
    assert [config.name for config in directory] == ["otto-planning", "acme_staffing", "outbound.only"]
    assert len(directory) == 3 and "acme_staffing" in directory and "nobody" not in directory
    assert directory.get("nobody") is None
    assert [config.name for config in directory.parties_with_endpoint()] == ["otto-planning", "outbound.only"]
    with pytest.raises(UnknownParty, match="no party 'nobody'"):
        directory["nobody"]


def test_the_endpoint_token_is_read_from_the_environment_when_asked(example, monkeypatch):
    otto = load_parties(example)["otto-planning"]
    monkeypatch.setenv("OTTO_PLANNING_TOKEN", "first")
    assert otto.endpoint_token() == "first"
    monkeypatch.setenv("OTTO_PLANNING_TOKEN", "rotated")
    assert otto.endpoint_token() == "rotated"


@pytest.mark.parametrize("environ", [{}, {"OTTO_PLANNING_TOKEN": ""}])
def test_an_unset_endpoint_token_variable_is_a_clear_error(example, environ):
    otto = load_parties(example)["otto-planning"]
    with pytest.raises(EndpointTokenMissing, match="OTTO_PLANNING_TOKEN is not set"):
        otto.endpoint_token(environ)


def test_an_endpoint_token_that_cannot_be_sent_is_refused_without_showing_it(example):
    otto = load_parties(example)["otto-planning"]
    with pytest.raises(EndpointTokenMissing, match="does not hold a valid bearer token") as refusal:
        otto.endpoint_token({"OTTO_PLANNING_TOKEN": "two words"})
    assert "two words" not in str(refusal.value)


def test_a_party_without_endpoint_has_no_endpoint_token(example):
    with pytest.raises(EndpointTokenMissing, match="has no endpoint"):
        load_parties(example)["acme_staffing"].endpoint_token({})


GOOD_ID = '[{ value = "X", schemeAgencyId = "Customer" }]'
HASH_A = token_hash("a" * 43)
P = f"identifiers = {GOOD_ID}\n"
OUT = P + 'endpoint = "https://x.example"\nendpoint_token_env = "T"\n'
JWT = P + '[parties.p.jwt]\nissuer = "i"\naudience = "a"\n'
JWKS = JWT + 'jwks_file = "k"\n'


@pytest.mark.parametrize(
    ("party_table", "complaint"),
    [
        (P + "tokenz = []", "unknown key 'tokenz'"),
        ("tokens = []", "'identifiers' is missing"),
        ("identifiers = []", "'identifiers' must be a non-empty array"),
        ('identifiers = "X"', "'identifiers' must be a non-empty array"),
        ('identifiers = ["X"]', "each identifier must be a table"),
        ('identifiers = [{ schemeAgencyId = "Customer" }]', "an identifier lacks 'value'"),
        ('identifiers = [{ value = "", schemeAgencyId = "Customer" }]', "an identifier lacks 'value'"),
        ('identifiers = [{ value = "X" }]', "an identifier lacks 'schemeAgencyId'"),
        ('identifiers = [{ value = "X", schemeAgencyId = "C", id = 1 }]', "unknown key 'identifiers.id'"),
        (f"identifiers = [{GOOD_ID[1:-1]}, {GOOD_ID[1:-1]}]", "listed twice"),
        (P + f'tokens = "{HASH_A}"', "'tokens' must be an array"),
        (P + 'tokens = ["a-plain-token"]', 'token #1 is not "sha256:"'),
        (P + f'tokens = ["sha256:{HASH_A[7:].upper()}"]', "64 lowercase hex"),
        (P + f'tokens = ["{HASH_A[:-1]}"]', "64 lowercase hex"),
        (P + f'tokens = ["{HASH_A}", 5]', "token #2 is not"),
        (P + f'tokens = ["{HASH_A}", "{HASH_A}"]', "is listed twice"),
        (P + 'endpoint = "ftp://x.example"\nendpoint_token_env = "T"', "not an http(s) URL"),
        (P + 'endpoint = "https://"\nendpoint_token_env = "T"', "not an http(s) URL with a host"),
        (P + 'endpoint = 8080\nendpoint_token_env = "T"', "'endpoint' must be a string"),
        (P + 'endpoint = "https://x.example?a=1"\nendpoint_token_env = "T"', "without query"),
        (P + 'endpoint = "https://x.example"', "needs 'endpoint_token_env'"),
        (P + 'endpoint_token_env = "T"', "'endpoint_token_env' is given but 'endpoint' is not"),
        (P + 'format = "xml"', "'format' is given but 'endpoint' is not"),
        (OUT.replace('"T"', '"A-B"'), "environment variable name"),
        (OUT + 'setu_version = "3.0"', "'setu_version' must be one of '1.0', '2.0'"),
        (OUT + "setu_version = 2.0", "quote it"),
        (OUT + 'format = "yaml"', "'format' must be one of 'json', 'xml'"),
        (OUT + 'lossy = "ignore"', "'lossy' must be one of 'warn', 'refuse'"),
        (OUT + "lossy = true", "'lossy' must be one of 'warn', 'refuse'"),
        (P + 'lossy = "refuse"', "'lossy' is given but 'endpoint' is not"),
        (P + "jwt = 1", "'jwt' must be a table"),
        (JWT + 'keyfile = "k"', "unknown key 'jwt.keyfile'"),
        (JWT.replace('issuer = "i"\n', ""), "'jwt.issuer' must be a non-empty string"),
        (JWT.replace('audience = "a"\n', 'audience = ["a"]\n'), "'jwt.audience' must be a non-empty string"),
        (JWKS + "subject = 1", "'jwt.subject' must be a non-empty string"),
        (JWT, "exactly one of 'jwks_file' and 'public_key_file'"),
        (JWKS + 'public_key_file = "b"', "exactly one of"),
        (JWKS + 'algorithms = ["HS256"]', "'jwt.algorithms' must list some of RS256, ES256"),
        (JWKS + 'algorithms = ["none"]', "'jwt.algorithms' must list"),
        (JWKS + "algorithms = []", "'jwt.algorithms' must list"),
        (JWKS + 'algorithms = ["RS256", "RS256"]', "'jwt.algorithms' must list"),
        (JWKS + "leeway_seconds = 3600", "'jwt.leeway_seconds' must be a whole number from 0 to 300"),
        (JWKS + "leeway_seconds = 1.5", "'jwt.leeway_seconds'"),
        (JWKS + "leeway_seconds = true", "'jwt.leeway_seconds'"),
        (JWT + 'jwks_file = "missing.json"', "cannot read key file"),
    ],
)
def test_each_mistake_in_a_party_is_refused_naming_file_party_and_mistake(tmp_path, party_table, complaint):
    path = write(tmp_path, f"[parties.p]\n{party_table}\n")
    with pytest.raises(PartiesFileError) as refusal:
        load_parties(path)
    message = str(refusal.value)
    assert message.startswith(f"{path}: party 'p': ")
    assert complaint in message


def test_credentials_in_an_endpoint_url_are_refused_without_repeating_them(tmp_path):
    path = write(tmp_path, "[parties.p]\n" + OUT.replace("https://", "https://user:hunter2@"))
    with pytest.raises(PartiesFileError, match="must not carry credentials") as refusal:
        load_parties(path)
    assert "hunter2" not in str(refusal.value)


@pytest.mark.parametrize("name", ['"has space"', '"semi;colon"', '"ünïcode"', '""', '"' + "n" * 65 + '"'])
def test_party_names_are_restricted_to_a_charset_safe_in_logs(tmp_path, name):
    path = write(tmp_path, f"[parties.{name}]\nidentifiers = {GOOD_ID}\n")
    with pytest.raises(PartiesFileError, match="a party name is 1 to 64 letters, digits"):
        load_parties(path)


def test_one_identifier_claimed_by_two_parties_is_refused(tmp_path):
    path = write(tmp_path, f"[parties.a]\nidentifiers = {GOOD_ID}\n[parties.b]\nidentifiers = {GOOD_ID}\n")
    claimed_twice = r"identifier X \(Customer\) is claimed by both party 'a' and party 'b'"
    with pytest.raises(PartiesFileError, match=claimed_twice):
        load_parties(path)


def test_one_token_hash_under_two_parties_is_refused(tmp_path):
    path = write(
        tmp_path,
        f'[parties.a]\nidentifiers = [{{ value = "A", schemeAgencyId = "C" }}]\ntokens = ["{HASH_A}"]\n'
        f'[parties.b]\nidentifiers = [{{ value = "B", schemeAgencyId = "C" }}]\ntokens = ["{HASH_A}"]\n',
    )
    claimed_twice = "token hash sha256:[0-9a-f]{12}… is claimed by both party 'a' and party 'b'"
    with pytest.raises(PartiesFileError, match=claimed_twice):
        load_parties(path)


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("[parties.a\n", "not valid TOML"),
        ("", "no [parties.NAME] table"),
        ("[parties]\n", "no [parties.NAME] table"),
        ('parties = "x"\n', "no [parties.NAME] table"),
        (f"[parties.a]\nidentifiers = {GOOD_ID}\n[server]\nport = 1\n", "unknown top-level key 'server'"),
        ("[parties]\na = 1\n", "party 'a': must be a table"),
    ],
)
def test_a_file_that_is_not_a_parties_file_is_refused(tmp_path, text, complaint):
    path = write(tmp_path, text)
    with pytest.raises(PartiesFileError) as refusal:
        load_parties(path)
    assert str(refusal.value).startswith(f"{path}: ")
    assert complaint in str(refusal.value)


def test_a_missing_parties_file_is_refused_by_name(tmp_path):
    with pytest.raises(PartiesFileError, match="no-such.toml: no such file"):
        load_parties(tmp_path / "no-such.toml")


# -- Authorization: Bearer ---------------------------------------------------------------------


def test_each_partys_token_authenticates_as_that_party(authenticator):
    assert authenticator.authenticate(f"Bearer {OTTO_TOKEN}").name == "otto-planning"
    assert authenticator.authenticate(f"Bearer {ACME_TOKEN}").name == "acme_staffing"


@pytest.mark.parametrize("scheme", ["bearer", "BEARER", "BeArEr"])
def test_the_bearer_scheme_is_case_insensitive(authenticator, scheme):
    assert authenticator.authenticate(f"{scheme} {OTTO_TOKEN}").name == "otto-planning"


@pytest.mark.parametrize(
    ("header", "reason", "presented"),
    [
        (None, "no Authorization header", False),
        ("Basic b3R0bzpzZWNyZXQ=", "scheme is not Bearer", False),
        ("", "malformed Authorization header", True),
        ("Bearer", "no token after Bearer", True),
        ("Bearer ", "no token after Bearer", True),
        (f"Bearer {OTTO_TOKEN} {ACME_TOKEN}", "not a single token68 value", True),
        (f"Bearer {OTTO_TOKEN},{ACME_TOKEN}", "not a single token68 value", True),
        ("Bearer tøken", "not a single token68 value", True),
        ("Bearer abc=def", "not a single token68 value", True),
        ('Bearer "abc"', "not a single token68 value", True),
        ("Bearer\tabc", "malformed Authorization header", True),
        ("Bearer " + "a" * 9000, "not a single token68 value", True),
    ],
)
def test_a_missing_or_malformed_authorization_is_an_invalid_request(authenticator, header, reason, presented):
    with pytest.raises(Unauthenticated, match=reason) as refusal:
        authenticator.authenticate(header)
    assert refusal.value.error == "invalid_request"
    assert refusal.value.presented is presented


def test_an_unknown_token_is_an_invalid_token_and_the_reason_does_not_repeat_it(authenticator):
    with pytest.raises(Unauthenticated) as refusal:
        authenticator.authenticate(f"Bearer {OTTO_TOKEN}x")
    assert refusal.value.error == "invalid_token"
    assert refusal.value.status == 401
    assert OTTO_TOKEN not in refusal.value.reason and OTTO_TOKEN not in refusal.value.challenge()


def test_a_token_hash_is_not_itself_a_token(authenticator):
    with pytest.raises(Unauthenticated, match="unknown token"):
        authenticator.authenticate(f"Bearer {token_hash(OTTO_TOKEN).removeprefix('sha256:')}")


def test_an_opaque_token_shaped_like_a_jwt_is_still_accepted_by_its_hash(tmp_path):
    dotted = "abc.def.ghi"
    path = write(tmp_path, f'[parties.p]\nidentifiers = {GOOD_ID}\ntokens = ["{token_hash(dotted)}"]\n')
    assert Authenticator(load_parties(path)).authenticate(f"Bearer {dotted}").name == "p"


def test_the_challenge_follows_rfc_6750(authenticator):
    with pytest.raises(Unauthenticated) as missing:
        authenticator.authenticate(None)
    assert missing.value.challenge() == 'Bearer realm="setu-planning"'
    assert missing.value.status == 401
    with pytest.raises(Unauthenticated) as malformed:
        authenticator.authenticate("Bearer a b")
    assert malformed.value.status == 400
    assert malformed.value.challenge("planning") == (
        'Bearer realm="planning", error="invalid_request", '
        'error_description="Bearer credential is not a single token68 value"'
    )


# -- setu-planning token ---------------------------------------------------------------------


def cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "setu_planning.interface.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )


def test_token_create_prints_a_256_bit_token_that_authenticates_as_that_party(example):
    result = cli("token", "create", "--parties", str(example), "--party", "acme_staffing")
    assert result.returncode == 0, result.stderr
    token = result.stdout.removesuffix("\n")
    assert result.stdout == token + "\n" and "\n" not in token
    assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) >= 32
    assert "cannot be shown again" in result.stderr and token not in result.stderr
    authenticator = Authenticator(load_parties(example))
    assert authenticator.authenticate(f"Bearer {token}").name == "acme_staffing"
    assert authenticator.authenticate(f"Bearer {ACME_TOKEN}").name == "acme_staffing"


def test_token_create_changes_nothing_but_the_added_hash(example):
    before = example.read_text()
    token = cli("token", "create", "--parties", str(example), "--party", "otto-planning").stdout.strip()
    old_line = f'tokens = ["{token_hash(OTTO_TOKEN)}"]'
    new_line = f'tokens = ["{token_hash(OTTO_TOKEN)}", "{token_hash(token)}"]'
    assert example.read_text() == before.replace(old_line, new_line)


def test_token_create_extends_a_multi_line_array_keeping_its_comments(example):
    before = example.read_text()
    token = cli("token", "create", "--parties", str(example), "--party", "acme_staffing").stdout.strip()
    old = f'  "{token_hash(ACME_TOKEN)}",  # issued 2025-01\n]'
    new = f'  "{token_hash(ACME_TOKEN)}",  # issued 2025-01\n  "{token_hash(token)}",\n]'
    assert example.read_text() == before.replace(old, new)


def test_token_create_adds_a_tokens_array_to_a_party_that_has_none(example):
    before = example.read_text()
    token = cli("token", "create", "--parties", str(example), "--party", "outbound.only").stdout.strip()
    old = 'endpoint_token_env = "OUT_TOKEN"\n'
    assert example.read_text() == before.replace(old, f'{old}tokens = ["{token_hash(token)}"]\n')
    assert load_parties(example)["outbound.only"].can_authenticate


def test_token_create_keeps_the_files_permissions_and_leaves_no_temporary_file(example):
    os.chmod(example, 0o640)
    assert cli("token", "create", "--parties", str(example), "--party", "otto-planning").returncode == 0
    assert stat.S_IMODE(example.stat().st_mode) == 0o640
    assert sorted(path.name for path in example.parent.iterdir()) == ["parties.toml"]


def test_token_create_reads_the_parties_file_from_the_environment(example, monkeypatch):
    monkeypatch.setenv("SETU_PLANNING_PARTIES", str(example))
    result = cli("token", "create", "--party", "otto-planning")
    assert result.returncode == 0, result.stderr
    party = Authenticator(load_parties(example)).authenticate(f"Bearer {result.stdout.strip()}")
    assert party.name == "otto-planning"


def test_token_create_for_an_unknown_party_exits_2_and_leaves_the_file_untouched(example):
    before = example.read_bytes()
    result = cli("token", "create", "--parties", str(example), "--party", "nobody")
    assert (result.returncode, result.stdout) == (2, "")
    assert "no party 'nobody'" in result.stderr
    assert example.read_bytes() == before


def test_token_create_refuses_an_invalid_parties_file_and_leaves_it_untouched(tmp_path):
    path = write(tmp_path, "[parties.p]\nidentifiers = []\n")
    result = cli("token", "create", "--parties", str(path), "--party", "p")
    assert (result.returncode, result.stdout) == (2, "")
    assert "'identifiers' must be a non-empty array" in result.stderr
    assert path.read_text() == "[parties.p]\nidentifiers = []\n"


def test_token_create_without_a_parties_file_says_how_to_name_one(monkeypatch):
    monkeypatch.delenv("SETU_PLANNING_PARTIES", raising=False)
    result = cli("token", "create", "--party", "p")
    assert result.returncode == 2 and "--parties FILE" in result.stderr


def test_create_token_returns_a_new_token_each_time(example):
    first, second = create_token(example, "otto-planning"), create_token(example, "otto-planning")
    assert first != second
    assert load_parties(example)["otto-planning"].token_hashes == {
        token_hash(OTTO_TOKEN),
        token_hash(first),
        token_hash(second),
    }


def test_create_token_keeps_windows_line_endings(tmp_path):
    path = tmp_path / "parties.toml"
    path.write_bytes(EXAMPLE.replace("\n", "\r\n").encode())
    create_token(path, "otto-planning")
    assert b"\n" not in path.read_bytes().replace(b"\r\n", b"")


def test_token_hash_prints_the_form_for_the_parties_file(tmp_path):
    result = cli("token", "hash", stdin=OTTO_TOKEN + "\n")
    assert (result.returncode, result.stdout) == (0, token_hash(OTTO_TOKEN) + "\n")


def test_token_hash_of_the_pinned_example_is_the_sha256_of_the_utf8_bytes():
    assert token_hash("password") == "sha256:5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"


@pytest.mark.parametrize("stdin", ["", "two tokens\n"])
def test_token_hash_refuses_what_cannot_be_a_bearer_token(stdin):
    result = cli("token", "hash", stdin=stdin)
    assert (result.returncode, result.stdout) == (2, "")


def test_create_token_through_a_symlink_edits_the_linked_file_and_keeps_the_link(example, tmp_path):
    link = tmp_path / "link.toml"
    link.symlink_to(example)
    token = create_token(link, "otto-planning")
    assert link.is_symlink()
    assert token_hash(token) in load_parties(example)["otto-planning"].token_hashes
