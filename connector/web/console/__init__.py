"""The support console at ``/console`` (issue 16): a login, then the same data the CLI prints.

* :mod:`.app`: the WSGI app, its routes, login, logout and the checks every request passes;
* :mod:`.pages`: what each page shows, read through the CLI's own functions
  (:func:`connector.status.shop_status`, :func:`connector.status.order_story`,
  :func:`connector.resync_queue.enqueue_resync`);
* :mod:`.sessions`: signed session cookies and CSRF tokens;
* :mod:`.audit`: the audit log (who did what, when), which also feeds the login rate limit.
"""
