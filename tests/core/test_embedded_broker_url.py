"""The embedded broker's URL follows the database wherever DATABASE_URL names it, a socket
directory in the URL's query included (as the benchmarks' production servers are given)."""

import environ

from core.embedded_broker import broker_url_for


def test_a_socket_directory_in_the_database_urls_query_reaches_the_broker_url():
    database = environ.Env.db_url_config("postgres://fanfare@/shop?host=/run/pg&port=5433")

    assert broker_url_for(database) == "fanfaredb+postgresql+psycopg://fanfare@/shop?host=/run/pg&port=5433"


def test_a_tcp_host_and_a_password():
    database = environ.Env.db_url_config("postgres://fanfare:s3cret@db.internal:5432/shop")

    assert broker_url_for(database) == "fanfaredb+postgresql+psycopg://fanfare:s3cret@db.internal:5432/shop"
