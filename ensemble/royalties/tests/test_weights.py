"""The weight formula on plain data: screen time, audio, text, roles and the lineage."""

from fractions import Fraction

from ensemble.royalties.weights import Use, compute

U = Fraction(3, 10)  # 30% of a version's value goes upstream


def test_screen_audio_and_text_points() -> None:
    lines = compute(
        uses=[
            Use(1, "video", Fraction(4)),
            Use(2, "audio", Fraction(10)),
            Use(3, "text", Fraction(0)),
        ],
        authors={1: 100, 2: 200, 3: 300},
        sources={},
        roles={100: ["footage"], 200: ["music"], 300: ["writing"]},
        upstream_share=U,
    )
    assert lines[100].points == 4 and lines[100].screen_seconds == 4
    assert lines[200].points == 5 and lines[200].audio_seconds == 10
    assert lines[300].points == 5 and lines[300].text_uses == 1


def test_a_clips_value_is_shared_with_its_sources_recursively() -> None:
    # Version 1 (by 100) is built on 2 (by 200) and 3 (by 300); 2 is built on 4 (by 400).
    lines = compute(
        uses=[Use(1, "video", Fraction(10))],
        authors={1: 100, 2: 200, 3: 300, 4: 400},
        sources={1: [2, 3], 2: [4]},
        roles={},
        upstream_share=U,
    )
    assert lines[100].own == 7  # 70% of 10
    # 3 points go upstream, 1.5 to each source; 2 passes 30% of its 1.5 on to 4.
    assert lines[300].upstream == Fraction(3, 2)
    assert lines[200].upstream == Fraction(3, 2) * Fraction(7, 10)
    assert lines[400].upstream == Fraction(3, 2) * Fraction(3, 10)
    assert sum(line.points for line in lines.values()) == 10  # nothing created or lost


def test_a_diamond_reaches_the_common_source_through_both_paths() -> None:
    lines = compute(
        uses=[Use(1, "video", Fraction(1))],
        authors={1: 1, 2: 2, 3: 3, 4: 4},
        sources={1: [2, 3], 2: [4], 3: [4]},
        roles={},
        upstream_share=Fraction(1, 2),
    )
    assert lines[4].upstream == Fraction(1, 4)  # half of the half from each of 2 and 3
    assert sum(line.points for line in lines.values()) == 1


def test_role_lines_add_a_share_of_the_material_split_among_holders() -> None:
    lines = compute(
        uses=[Use(1, "video", Fraction(20))],
        authors={1: 1},
        sources={},
        roles={1: ["footage"], 8: ["editing"], 9: ["production", "editing"]},
        upstream_share=U,
    )
    assert lines[8].role == 1  # half of 10% of 20
    assert lines[9].role == 1 + 2  # half the editing line and all of production's
    assert lines[1].micro == 20_000_000


def test_no_upstream_share_keeps_everything_with_the_author() -> None:
    lines = compute(
        uses=[Use(1, "audio", Fraction(3))],
        authors={1: 1, 2: 2},
        sources={1: [2]},
        roles={2: ["writing"]},
        upstream_share=Fraction(0),
    )
    assert lines[1].points == Fraction(3, 2) and lines[2].points == 0
