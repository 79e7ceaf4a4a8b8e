"""Every schema in the API has its own name: the OpenAPI description keys its components by
class name, so two classes called `CommentIn` would describe one endpoint with the other's."""

from collections import defaultdict

from ninja import Schema

import config.api  # noqa: F401  (loads every router and its schemas)


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_subclasses(sub))
    return found


def test_no_two_api_schemas_share_a_name() -> None:
    by_name: dict[str, set[str]] = defaultdict(set)
    for schema in _subclasses(Schema):
        if schema.__module__.startswith("ensemble."):
            by_name[schema.__name__].add(schema.__module__)
    assert len(by_name) > 50
    clashes = {name: sorted(modules) for name, modules in by_name.items() if len(modules) > 1}
    assert clashes == {}
