from .seed_community import Command

__all__ = ["Command"]
