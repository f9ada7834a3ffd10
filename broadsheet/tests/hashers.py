"""Password hashing for the suite.

Production hashes a password with PBKDF2 at Django's work factor (a million rounds,
about a quarter of a second of CPU), on purpose. The suite makes an account, or signs
one in, in hundreds of tests: at that cost hashing took 15 % of the CPU of six
of the suite's files (accounts, desk, moderation, notifications).
Here the same algorithm runs one round. The stored hashes stay valid "pbkdf2_sha256"
hashes, so a server the suite starts as a subprocess, which hashes at production's
cost, still signs in the accounts the tests made (and re-hashes them at its own cost).
"""

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class OneRoundPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    iterations = 1
