from nbops.capture.environment import diff_environments


def test_diff_lists_added_removed_changed_and_other():
    a = {"python": "3.11.7", "packages": {"numpy": "2.0", "pandas": "2.2", "old": "1"}}
    b = {"python": "3.12.1", "packages": {"numpy": "2.1", "pandas": "2.2", "new": "3"}}
    diff = diff_environments("A", a, "B", b)
    assert diff.added == {"new": "3"}
    assert diff.removed == {"old": "1"}
    assert diff.changed == {"numpy": ("2.0", "2.1")}
    assert diff.other == {"python": ("3.11.7", "3.12.1")}
    assert diff.lines() == [
        "+ new 3",
        "- old 1",
        "~ numpy 2.0 -> 2.1",
        "~ python: 3.11.7 -> 3.12.1",
    ]


def test_identical_environments_have_no_diff():
    env = {"python": "3.11.7", "packages": {"numpy": "2.0"}}
    diff = diff_environments("A", env, "B", dict(env))
    assert not diff
    assert "No differences" in diff.lines()[0]
