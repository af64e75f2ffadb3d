"""Profiles are data: each shipped YAML is valid, and bad ones fail with a clear message."""

from __future__ import annotations

import pytest

from ingest import schema
from ingest.profiles import ProfileError, available_profiles, load_profile, name_candidates, norm_name


def test_shipped_profiles():
    assert available_profiles() == ["canonical", "liquidlogic", "mosaic"]
    for name in available_profiles():
        prof = load_profile(name)
        assert prof.name == name and prof.description
        assert set(prof.entities) == set(schema.ENTITIES)


@pytest.mark.parametrize("profile", ["canonical", "mosaic", "liquidlogic"])
def test_every_profile_understands_the_canonical_layout(profile):
    prof = load_profile(profile)
    for ent in schema.ENTITIES.values():
        for stem in ent.file_stems:
            assert prof.identify(stem) == ent.name
        hm = prof.map_headers(ent.name, list(ent.column_names))
        assert sorted(hm.present()) == sorted(ent.column_names) and not hm.conflicts


def test_mosaic_names():
    prof = load_profile("mosaic")
    assert prof.identify("mosaic_escalation_steps") == "challenges"
    assert prof.identify("MOSAIC_ESCALATION_ACTIONS_20240331") == "challenge_events"
    hm = prof.map_headers("challenges", ["STEP_ID", "Person ID", "escalation-stage", "STEP_STATUS"])
    assert hm.mapped == {0: "challenge_id", 1: "child_id", 2: "entry_stage"}
    assert hm.ignored == ["STEP_STATUS"]
    assert prof.entities["children"].values["legal_status"]["looked_after"] == "lac"


def test_name_candidates():
    assert name_candidates("Children_2024-03-31") == ["children_2024_03_31", "children"]
    assert name_candidates("children (2)") == ["children"]
    assert norm_name(" Person-ID ") == "person_id"


def test_yaml_scalars_stay_strings(tmp_path):
    path = tmp_path / "p.yml"
    path.write_text(
        "name: p\nentities:\n  challenge_events:\n    values:\n      event_type:\n        Y: resolved\n        no: note\n"
    )
    prof = load_profile(path)
    assert prof.entities["challenge_events"].values["event_type"] == {"y": "resolved", "no": "note"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: p\nentities:\n  kids: {}\n", "not an entity"),
        ("name: p\nentities:\n  children:\n    columns:\n      PID: kid_id\n", "not a column of children"),
        (
            "name: p\nentities:\n  children:\n    values:\n      legal_status:\n        LA: looked_after\n",
            "'looked_after' is not allowed",
        ),
        ("name: p\nentities:\n  children:\n    files: [teams]\n", "already means teams"),
        ("name: p\nentities:\n  children:\n    colums: {}\n", "unknown keys ['colums']"),
        ("name: p\ndate_formats: [dd/mm/yyyy]\n", "strftime"),
        ("name: p\nentities: [1, 2]\n", "expected a mapping"),
    ],
)
def test_invalid_profiles_say_what_is_wrong(tmp_path, text, message):
    path = tmp_path / "bad.yml"
    path.write_text(text)
    with pytest.raises(ProfileError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_profile(path)
