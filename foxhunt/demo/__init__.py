"""``foxhunt demo``: the bundled demo city through the real pipeline (issue 10).

Simulated nodes (one process each, :mod:`foxhunt.demo.node`) render IQ, scan a tight plan
(:mod:`foxhunt.demo.plan`), decode at the edge and post through their spools over HTTP on
127.0.0.1 to a central station running in this process (:mod:`foxhunt.demo.station`); the
vehicle steers by the station's approach guidance (:mod:`foxhunt.demo.vehicle`); the outcome is
set beside the scenario's truth (:mod:`foxhunt.demo.summary`). :mod:`foxhunt.demo.mission` ties
them together.
"""
