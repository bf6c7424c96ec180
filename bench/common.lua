-- Shared by get.lua, create.lua and list.lua (loaded with dofile): the token
-- header, and counting of the answers by status class in every wrk thread,
-- printed after the run as one "BENCH ..." line that run.sh reads.
--
-- Environment: BENCH_TOKEN (else the first line of $BENCH_OUT/token),
-- BENCH_OUT (default bench/out), BENCH_BASE (default /dev/runtime/api).

bench = {}
bench.out = os.getenv("BENCH_OUT") or "bench/out"
bench.base = os.getenv("BENCH_BASE") or "/dev/runtime/api"

local function firstline(path)
  local f = io.open(path, "r")
  if not f then return nil end
  local line = f:read("*l")
  f:close()
  return line
end
bench.firstline = firstline

-- lines returns the non-empty lines of a file.
function bench.lines(path)
  local t = {}
  local f = assert(io.open(path, "r"), "cannot open " .. path)
  for line in f:lines() do
    if line ~= "" then t[#t + 1] = line end
  end
  f:close()
  return t
end

-- randomhex returns n random bytes as hex, from /dev/urandom.
function bench.randomhex(n)
  local f = assert(io.open("/dev/urandom", "rb"))
  local s = f:read(n)
  f:close()
  return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end))
end

local token = os.getenv("BENCH_TOKEN") or firstline(bench.out .. "/token")
assert(token and token ~= "", "no token: set BENCH_TOKEN or write " .. bench.out .. "/token")
wrk.headers["token"] = token

-- Counting. setup and done run in wrk's main Lua state, response in each
-- thread's own state; thread:get reads a thread's globals.
local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
  thread:set("tid", #threads)
end

tid = 0
n2xx, n3xx, n4xx, n5xx, nother = 0, 0, 0, 0, 0
firstbad = ""

function response(status, headers, body)
  if status >= 200 and status < 300 then
    n2xx = n2xx + 1
    return
  end
  if status >= 500 and status < 600 then n5xx = n5xx + 1
  elseif status >= 400 then n4xx = n4xx + 1
  elseif status >= 300 then n3xx = n3xx + 1
  else nother = nother + 1 end
  if firstbad == "" then
    firstbad = status .. " " .. string.sub(body or "", 1, 300):gsub("[\r\n]", " ")
  end
end

function done(summary, latency, requests)
  local c = { n2xx = 0, n3xx = 0, n4xx = 0, n5xx = 0, nother = 0 }
  local bad = ""
  for _, t in ipairs(threads) do
    for k in pairs(c) do c[k] = c[k] + (t:get(k) or 0) end
    if bad == "" then bad = t:get("firstbad") or "" end
  end
  local e = summary.errors
  local secs = summary.duration / 1e6
  io.write(string.format(
    "BENCH requests=%d seconds=%.2f rps=%.1f ok=%d non2xx=%d s3xx=%d s4xx=%d s5xx=%d sockerr=%d p50_ms=%.2f p99_ms=%.2f\n",
    summary.requests, secs, summary.requests / secs, c.n2xx,
    c.n3xx + c.n4xx + c.n5xx + c.nother, c.n3xx, c.n4xx, c.n5xx,
    e.connect + e.read + e.write + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
  if bad ~= "" then io.write("BENCH firstbad=", bad, "\n") end
end
