-- wrk script for bench/load.py: prints one JSON line of results when the run ends.
--
-- With WRK_REQUESTS naming a file of "METHOD<TAB>PATH<TAB>BODY" lines, each thread walks
-- those requests from its own starting point; every request then carries its own
-- X-Forwarded-For (a distinct reader address behind the trusted proxy, as readers are)
-- and, from WRK_CSRF, the CSRF cookie and header writes need. Status codes are counted.
-- Without it, wrk sends its one static request at full speed (no Lua per request).

local requests_file = os.getenv("WRK_REQUESTS")
local csrf = os.getenv("WRK_CSRF") or ""
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

if requests_file then
  local lines = {}
  statuses = {}
  local n = 0

  function init(args)
    for line in io.lines(requests_file) do
      local method, path, body = line:match("^(%u+)\t([^\t]+)\t?(.*)$")
      table.insert(lines, { method, path, body })
    end
    math.randomseed(id * 7919 + os.time())
    n = math.random(#lines)
  end

  function request()
    n = n % #lines + 1
    local method, path, body = lines[n][1], lines[n][2], lines[n][3]
    local headers = {
      ["X-Forwarded-For"] = string.format(
        "10.%d.%d.%d", math.random(0, 255), math.random(0, 255), math.random(1, 254)
      ),
    }
    if method ~= "GET" then
      headers["Content-Type"] = "application/json"
      headers["Cookie"] = "csrftoken=" .. csrf
      headers["X-CSRFToken"] = csrf
    end
    if body == "" then
      body = nil
    end
    return wrk.format(method, path, headers, body)
  end

  function response(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
  end
end

function done(summary, latency, requests)
  local totals = {}
  for _, thread in ipairs(threads) do
    local counted = thread:get("statuses")
    if counted then
      for status, count in pairs(counted) do
        totals[status] = (totals[status] or 0) + count
      end
    end
  end
  local codes = {}
  for status, count in pairs(totals) do
    codes[#codes + 1] = string.format('"%d": %d', status, count)
  end
  local errors = summary.errors
  io.write(string.format(
    '\nWRK-JSON {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p90_us": %d, '
      .. '"p99_us": %d, "max_us": %d, "connect_errors": %d, "read_errors": %d, '
      .. '"write_errors": %d, "timeouts": %d, "bad_status": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    errors.connect, errors.read, errors.write, errors.timeout, errors.status,
    table.concat(codes, ", ")
  ))
end
