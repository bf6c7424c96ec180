-- wrk script: GET /data/companies?_size=20, the first page of 20 companies
-- in the {total, offset, items} envelope (the total is always computed).
-- The request never changes, so wrk builds it once. See common.lua.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") .. "common.lua")

wrk.method = "GET"
wrk.path = bench.base .. "/data/companies?_size=20"
