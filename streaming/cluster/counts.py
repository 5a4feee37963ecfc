"""Who watches what across the cluster: each source's viewers and MJPEG players, summed."""


def tally(records: list[dict], key: str) -> dict[str, int]:
    """Sum the {source name: count} maps under `key` of the instances' records."""
    found = {}
    for record in records:
        for name, count in record.get(key, {}).items():
            found[name] = found.get(name, 0) + count
    return found


def merge(local: list[dict], remote: dict[str, dict],
          viewers: tuple[dict[str, int], dict[str, int]],
          players: tuple[dict[str, int], dict[str, int]]) -> list[dict]:
    """Return the `sources` list: `local` entries, then `remote` ones (by name) not among them.

    `viewers` and `players` are each ({name: count} on other instances, {name: count} here),
    added to every entry's own `viewers` and `players`.
    """
    names = {entry["name"] for entry in local}
    entries = local + [entry for name, entry in remote.items() if name not in names]
    return [{**e, "viewers": e["viewers"] + sum(c.get(e["name"], 0) for c in viewers),
             "players": e.get("players", 0) + sum(c.get(e["name"], 0) for c in players)}
            for e in entries]
