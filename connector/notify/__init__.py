"""Customer emails: templates rendered per locale, an outbox that sends each message exactly once.

Public pieces: :class:`~connector.notify.render.Renderer` (notification -> rendered email),
:class:`~connector.notify.outbox.Outbox` (enqueue, deliver, status), the transports in
:mod:`connector.notify.transports` and :func:`~connector.notify.transports.make_transport`.
"""
