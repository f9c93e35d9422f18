from django.contrib.auth.hashers import PBKDF2PasswordHasher


class TSPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """PBKDF2 with Django 1.6's 12000 rounds (the Torrent Server's Django)."""

    iterations = 12000
