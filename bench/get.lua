-- wrk script: GET /data/companies/{id}, cycling through the ids sampled by
-- the seeder ($BENCH_IDS, default bench/out/ids.txt). See common.lua.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") .. "common.lua")

local ids, i

function init(args)
  ids = bench.lines(os.getenv("BENCH_IDS") or (bench.out .. "/ids.txt"))
  assert(#ids > 0, "no ids")
  i = (tid * 7919) % #ids -- threads start at different places
end

function request()
  i = i % #ids + 1
  return wrk.format("GET", bench.base .. "/data/companies/" .. ids[i])
end
