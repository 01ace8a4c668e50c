"""Local stand-ins used by the try-it path, `feedgate demo`, tests and benchmarks — never the service's request path.

`fake_upstream` is a server that speaks the OpenAI wire format (its bodies and streams are built
in `payloads`, its knowledge-dependent answers in `fake_rules`); `threaded_server` runs an ASGI app
on uvicorn in a background thread; `loop` (with `loop_traffic`) is `feedgate demo`.
"""
