def ring_queues() -> list[tuple[str, bool, bool]]: ...
def ring_throughput(
    queue: str,
    items: int,
    capacity: int = 65536,
    batch: int = 1,
    producers: int = 1,
    consumers: int = 1,
) -> float: ...
def ring_round_trip_ns(queue: str, round_trips: int) -> float: ...
