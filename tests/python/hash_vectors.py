"""Prints which server index ``Client.hash()`` gives for key0..key19, per setting.

Servers 10.0.0.1:11211, 10.0.0.2:11211 and 10.0.0.3:11211 (weight 2): the
addresses of the golden vectors in pylibmc-facts.md. ``Client.hash()`` only
computes (memcached_generate_hash) and never connects, and tests/pylibmc.rs
runs this script in an empty network namespace (``unshare -n``) so that nothing
could reach those addresses even if it tried. One line per setting:
``NAME DIGITS`` or ``NAME error: MESSAGE``.
"""

import pylibmc

SERVERS = ["10.0.0.1:11211", "10.0.0.2:11211", "10.0.0.3:11211:2"]
SETTINGS = [
    ("default", {}),
    ("ketama", {"ketama": True}),
    ("ketama_weighted", {"ketama": True, "ketama_weighted": True}),
    ("consistent", {"distribution": "consistent"}),
    ("md5", {"hash": "md5"}),
    ("crc", {"hash": "crc"}),
    ("fnv1_32", {"hash": "fnv1_32"}),
    ("fnv1a_32", {"hash": "fnv1a_32"}),
    ("fnv1_64", {"hash": "fnv1_64"}),
    ("fnv1a_64", {"hash": "fnv1a_64"}),
    ("murmur", {"hash": "murmur"}),
    ("jenkins", {"hash": "jenkins"}),
    ("hsieh", {"hash": "hsieh"}),
]

for name, behaviors in SETTINGS:
    try:
        mc = pylibmc.Client(SERVERS, behaviors=behaviors)
        digits = "".join(str(mc.hash(f"key{i}")) for i in range(20))
        print(name, digits)
    except pylibmc.Error as e:
        print(name, f"error: {e}")
