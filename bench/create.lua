-- wrk script: POST /data/companies with the body of company.json, the name
-- made unique per request by a random per-thread prefix and a per-thread
-- counter ("Bench 3fa9c2e1d0b4-17"). See common.lua.
local dir = (debug.getinfo(1, "S").source:match("^@(.*/)") or "")
dofile(dir .. "common.lua")

local head, tail, prefix
local n = 0

function init(args)
  local f = assert(io.open(dir .. "company.json", "r"))
  local body = f:read("*a"):gsub("%s+$", "")
  f:close()
  head, tail = body:match('^(.-"name"%s*:%s*")NAME(".*)$')
  assert(head, "company.json must contain \"name\": \"NAME\"")
  prefix = "Bench " .. bench.randomhex(6) .. "-"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  n = n + 1
  return wrk.format("POST", bench.base .. "/data/companies", nil, head .. prefix .. n .. tail)
end
