"""The fault harness (`make chaos`): the real stack, a scripted population of requests through every path,
and the faults a deployment meets (killed workers, a killed Temporal server, a database and a mail server
gone for a while, a killed API), then a count of what was lost, duplicated or left stuck.

    python -m chaos --profile short     # ~24 requests, every kind of fault at least once (in make test)
    python -m chaos --profile long      # 200 requests, every kind of fault, several times
    python -m chaos --load 1000         # 1,000 submissions at once, driven to their decisions
"""
