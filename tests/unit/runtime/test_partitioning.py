"""Our key partitioning is Kafka's: the same murmur2 and partition as aiokafka's for any key."""

from __future__ import annotations

import random

from aiokafka.partitioner import DefaultPartitioner
from aiokafka.partitioner import murmur2 as aiokafka_murmur2

from services.runtime.partitioning import key_partitioner, murmur2, partition_of


def test_murmur2_matches_aiokafkas_on_every_length_and_byte() -> None:
    rnd = random.Random(20261201)  # fixed: the same 20,000 keys every run
    for _ in range(20_000):
        key = rnd.randbytes(rnd.randrange(0, 70))
        assert murmur2(key) == aiokafka_murmur2(key), key


def test_partitions_match_the_default_partitioner() -> None:
    default = DefaultPartitioner()
    rnd = random.Random(7)
    for n in range(5_000):
        key = (f"{rnd.getrandbits(128):032x}" if n % 2 else f"case-{n}").encode()
        partitions = list(range(rnd.choice((1, 3, 6, 12))))
        assert key_partitioner(key, partitions, partitions) == default(key, partitions,
                                                                        partitions)
        assert partition_of(key, len(partitions)) == default(key, partitions, partitions)


def test_a_record_without_key_goes_to_an_available_partition() -> None:
    assert key_partitioner(None, [0, 1, 2], [2]) == 2
    assert key_partitioner(None, [0, 1, 2], []) in (0, 1, 2)
