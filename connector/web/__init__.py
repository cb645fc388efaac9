"""The daemon's one HTTP face, one WSGI server (``connector run --listen``) with its parts:

* :mod:`connector.web.webhooks`: webhooks in, ``/healthz`` and ``/metrics`` out;
* :mod:`connector.web.server`: the bounded production server (waitress) that serves them.

The customer page (signed links) and the support console join here as they are built
(docs: ../shared DESIGN "How the house grows now").
"""
