from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from matching.engine import InstanceError, instance_to_dict, load_instance, parse_instance

from .helpers import document


def valid() -> dict[str, Any]:
    return document(
        households=[
            {"id": "H1", "demand": {"persons": 3, "school": 1}, "group": "G1"},
            {"id": "H2", "demand": {"persons": 1}, "group": "G1"},
            {"id": "H3", "demand": {"persons": 2}},
        ],
        municipalities=[
            {"id": "koeln", "capacity": {"persons": 5, "school": 1}},
            {"id": "bonn", "capacity": {"persons": 2}},
        ],
        scores=[("H1", "koeln", 10), ("H2", "koeln", 2.5), ("H3", "bonn", 7)],
    )


def test_valid_instance_parses() -> None:
    instance = parse_instance(valid())
    assert [h.id for h in instance.households] == ["H1", "H2", "H3"]
    assert instance.households[0].demand == {"persons": 3, "school": 1}
    assert instance.households[0].group == "G1"
    assert instance.municipalities[1].capacity == {"persons": 2}
    assert instance.scores[1].score == 2.5


def test_instance_to_dict_round_trips() -> None:
    instance = parse_instance(valid())
    again = parse_instance(json.loads(json.dumps(instance_to_dict(instance))))
    assert again == instance


def _set(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    data = valid()
    target: Any = data
    for key in path[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


_DELETE = object()

CASES: list[tuple[tuple[Any, ...], Any, str]] = [
    (("format",), _DELETE, 'instance: missing key "format"'),
    (("format",), "rematch-instance/2", 'instance: unsupported format "rematch-instance/2"'),
    (("dimensions",), _DELETE, 'instance: missing key "dimensions"'),
    (("dimensions",), ["school"], 'instance: "dimensions" must include "persons"'),
    (("dimensions",), "persons", 'instance: "dimensions" must be a list'),
    (("dimensions",), ["persons", "persons"], 'instance: duplicate dimension "persons"'),
    (("dimensions",), ["persons", 3], "instance: dimension 3 must be a non-empty string"),
    (("municipalities",), _DELETE, 'instance: missing key "municipalities"'),
    (("municipalities",), {}, 'instance: "municipalities" must be a list'),
    (("municipalities", 1, "id"), "koeln", "municipality koeln: duplicate id"),
    (("municipalities", 1, "id"), 7, 'municipality #2: "id" must be a non-empty string'),
    (("municipalities", 1), "bonn", "municipality #2: must be an object"),
    (
        ("municipalities", 0, "capacity", "persons"),
        -1,
        'municipality koeln: capacity "persons" must be non-negative, got -1',
    ),
    (
        ("municipalities", 0, "capacity", "persons"),
        2.5,
        'municipality koeln: capacity "persons" must be a non-negative integer, got 2.5',
    ),
    (
        ("municipalities", 0, "capacity", "persons"),
        True,
        'municipality koeln: capacity "persons" must be a non-negative integer, got true',
    ),
    (
        ("municipalities", 0, "capacity", "kitta"),
        1,
        'municipality koeln: unknown dimension "kitta"',
    ),
    (("municipalities", 0, "capacity"), [5], 'municipality koeln: "capacity" must be an object'),
    (("households",), _DELETE, 'instance: missing key "households"'),
    (("households", 2, "id"), "H1", "household H1: duplicate id"),
    (("households", 2, "demand", "kitta"), 1, 'household H3: unknown dimension "kitta"'),
    (
        ("households", 2, "demand", "persons"),
        "2",
        'household H3: demand "persons" must be a non-negative integer, got "2"',
    ),
    (
        ("households", 2, "demand", "persons"),
        False,
        'household H3: demand "persons" must be a non-negative integer, got false',
    ),
    (
        ("households", 2, "demand", "persons"),
        -2,
        'household H3: demand "persons" must be non-negative, got -2',
    ),
    (("households", 2, "group"), 5, 'household H3: "group" must be a non-empty string, got 5'),
    (("scores",), _DELETE, 'instance: missing key "scores"'),
    (("scores", 0, "score"), 0, "score H1/koeln: score must be > 0, got 0"),
    (("scores", 0, "score"), -3.5, "score H1/koeln: score must be > 0, got -3.5"),
    (("scores", 0, "score"), "high", 'score H1/koeln: score must be a number, got "high"'),
    (("scores", 0, "score"), True, "score H1/koeln: score must be a number, got true"),
    (("scores", 0, "score"), None, "score H1/koeln: score must be a number, got null"),
    (("scores", 0, "score"), float("nan"), "score H1/koeln: score must be finite, got NaN"),
    (("scores", 0, "score"), float("inf"), "score H1/koeln: score must be finite, got Infinity"),
    (("scores", 0, "score"), _DELETE, 'score H1/koeln: missing key "score"'),
    (("scores", 0, "household"), "H9", 'score H9/koeln: unknown household "H9"'),
    (("scores", 0, "municipality"), "berlin", 'score H1/berlin: unknown municipality "berlin"'),
    (("scores", 1, "household"), "H1", "score H1/koeln: duplicate pair"),
    (("scores", 0, "household"), 1, 'score #1: "household" and "municipality" must be strings'),
    (("scores", 0), [1], "score #1: must be an object"),
]


@pytest.mark.parametrize(("path", "value", "message"), CASES)
def test_validation_error_names_the_entry(path: tuple[Any, ...], value: Any, message: str) -> None:
    with pytest.raises(InstanceError) as info:
        parse_instance(_set(path, value))
    text = str(info.value)
    assert text.startswith(message)
    assert "\n" not in text


def test_top_level_must_be_object() -> None:
    with pytest.raises(InstanceError, match="top level must be a JSON object"):
        parse_instance([1, 2])


def test_zero_amounts_are_dropped_and_missing_means_zero() -> None:
    data = valid()
    data["households"][2]["demand"] = {"persons": 2, "school": 0}
    del data["municipalities"][1]["capacity"]
    instance = parse_instance(data)
    assert instance.households[2].demand == {"persons": 2}
    assert instance.municipalities[1].capacity == {}


def test_input_is_not_modified() -> None:
    data = valid()
    before = copy.deepcopy(data)
    parse_instance(data)
    assert data == before


def test_load_instance_file_errors(tmp_path: Path) -> None:
    missing = tmp_path / "missing.json"
    with pytest.raises(InstanceError, match="missing.json: file not found"):
        load_instance(missing)
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": ', encoding="utf-8")
    with pytest.raises(InstanceError, match=r"broken.json: malformed JSON at line 1 column 12"):
        load_instance(broken)
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(InstanceError, match="binary.json: cannot read file"):
        load_instance(binary)
    with pytest.raises(InstanceError, match="cannot read file"):
        load_instance(tmp_path)


def test_load_instance_reads_nan_as_invalid_score(tmp_path: Path) -> None:
    path = tmp_path / "nan.json"
    path.write_text(json.dumps(valid()).replace("2.5", "NaN"), encoding="utf-8")
    with pytest.raises(InstanceError, match="score H2/koeln: score must be finite"):
        load_instance(path)


@pytest.mark.parametrize(("path", "value", "message"), CASES)
def test_the_file_reader_names_every_bad_entry_as_the_parser_does(
    tmp_path: Path, path: tuple[Any, ...], value: Any, message: str
) -> None:
    """The file reader decodes the score entries typed (msgspec) and hands anything it does
    not take to json and the entry-by-entry checks: the message must stay the same."""
    file = tmp_path / "instance.json"
    file.write_text(json.dumps(_set(path, value)), encoding="utf-8")
    with pytest.raises(InstanceError) as info:
        load_instance(file)
    assert str(info.value).startswith(message)


def test_the_file_reader_gives_the_parsers_instance(tmp_path: Path) -> None:
    data = valid()
    data["scores"][0]["note"] = "extra keys are ignored, as before"
    data["unknown"] = {"also": "ignored"}
    file = tmp_path / "instance.json"
    file.write_text(json.dumps(data), encoding="utf-8")
    read = load_instance(file)
    assert read == parse_instance(data)
    assert [type(p.score) for p in read.scores] == [
        type(p.score) for p in parse_instance(data).scores
    ]
    assert read.integral_scores() == parse_instance(data).integral_scores()
