"""The local Stripe peer answers on connections with Nagle's algorithm off.

An answer is written as two writes (headers, then body). With Nagle's algorithm on, the body
waited for the client's delayed acknowledgement of the headers (about 40 ms on Linux) on every
kept-alive request: a peer read took 44 ms instead of under 1 ms, which slowed every caller (the
webhook batches, the tests, ``make run``)."""

import socket

from billing.stripe_peer.server import _Handler, make_server


def test_each_connection_the_peer_accepts_has_tcp_nodelay():
    server = make_server("127.0.0.1", 0)
    client = socket.create_connection(server.server_address)
    try:
        accepted, address = server.get_request()
        handler = _Handler.__new__(_Handler)
        handler.request, handler.client_address, handler.server = accepted, address, server
        handler.setup()  # what the server does for each connection before handling it
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        handler.finish()
        accepted.close()
    finally:
        client.close()
        server.server_close()
