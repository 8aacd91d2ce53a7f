"""The local peer's state file: saved atomically, whoever saves at the same moment."""

import json
import threading

from billing.stripe_peer import running_peer


def _customer(server, number):
    with server.peer.state.lock:
        server.peer.state._index({"id": f"cus_save{number}", "object": "customer"})
    server.peer.state.dirty.set()


def test_concurrent_saves_of_one_path_never_rename_each_others_file(tmp_path):
    # The saver thread and shutdown() of one peer, and a second peer on the same path (two test
    # processes sharing the test settings' file), all saving at once: before, each wrote one
    # shared "<name>.tmp" and the second rename failed with FileNotFoundError.
    path = tmp_path / "peer.json"
    with running_peer(state_path=path) as (_url, first), running_peer(state_path=path) as (_url2, second):
        _customer(first, 1)
        _customer(second, 2)
        errors = []

        def save_many(server):
            try:
                for _ in range(200):
                    server.save()
            except Exception as error:  # noqa: BLE001 (the test reports any)
                errors.append(error)

        threads = [threading.Thread(target=save_many, args=(server,)) for server in (first, second) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        saved = json.loads(path.read_text())
        customers = {key for key in saved["objects"] if key.startswith("cus_")}
        assert customers in ({"cus_save1"}, {"cus_save2"})  # one peer's whole state, not a mix
        assert [entry.name for entry in tmp_path.iterdir()] == ["peer.json"]  # no temporary left
    # Both shut down (each saving once more) without an error, and nothing temporary is left.
    assert [entry.name for entry in tmp_path.iterdir()] == ["peer.json"]
