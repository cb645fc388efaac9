"""The daemon's one HTTP face, one WSGI server (``connector run --listen``) with its parts:

* :mod:`connector.web.webhooks`: webhooks in, ``/healthz`` and ``/metrics`` out;
* :mod:`connector.web.customer`: the customer page at ``/orders/<token>``, opened by the signed
  links of :mod:`connector.web.links` that every customer email carries (``[web]`` config);
* :mod:`connector.web.console`: the support console at ``/console`` (``[console]`` config);
* :mod:`connector.web.server`: the bounded production server (waitress) that serves them.

:func:`connector.web.app.compose` puts the faces together for
:meth:`connector.daemon.Daemon.web_app`.
"""
