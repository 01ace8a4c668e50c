-- wrk script for benchmarks/proxy_latency.py: POST one fixed JSON body, count the requests
-- written, and print every number the benchmark needs as one machine-readable line.
--
-- Usage: wrk -s wrk_post.lua <url> -- <json body> [<x-feedgate-user tag>] [<authorization>]
--
-- The request is built once per wrk thread (init) and returned by request() for every
-- request, so that request() can count what was actually written: requests still in flight
-- when wrk stops are written (and reach the server) but are not in summary.requests.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local body = args[1]
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = args[3] or "Bearer sk-feedgate-bench",
  }
  if args[2] and args[2] ~= "" then
    headers["x-feedgate-user"] = args[2]
  end
  req = wrk.format("POST", nil, headers, body)
  sent = 0
end

function request()
  sent = sent + 1
  return req
end

function done(summary, latency, requests)
  -- wrk calls request() once on its first thread before the run, only to check how many
  -- requests one call returns (script_verify_request, for pipelining); that one is never sent.
  local written = -1
  for _, thread in ipairs(threads) do
    written = written + (thread:get("sent") or 0)
  end
  local e = summary.errors
  -- Latencies are in microseconds (wrk's histogram); duration too.
  io.write(string.format(
    "FEEDGATE_WRK {\"requests\": %d, \"sent\": %d, \"duration_us\": %d, \"bytes\": %d, " ..
    "\"connect_errors\": %d, \"read_errors\": %d, \"write_errors\": %d, \"status_errors\": %d, " ..
    "\"timeouts\": %d, \"p50_us\": %d, \"p90_us\": %d, \"p99_us\": %d, \"p999_us\": %d, " ..
    "\"mean_us\": %.1f, \"max_us\": %d}\n",
    summary.requests, written, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
    latency.mean, latency.max))
end
