"""The pipeline's processes ask glibc for huge pages, without overriding what a user set."""

from pipeline.huge_pages import TUNABLE, VARIABLE, ask_for_huge_pages


def test_an_empty_environment_gets_the_tunable():
    environ = {}
    assert ask_for_huge_pages(environ)
    assert environ[VARIABLE] == f"{TUNABLE}=1"


def test_other_tunables_are_kept():
    environ = {VARIABLE: "glibc.malloc.arena_max=2"}
    assert ask_for_huge_pages(environ)
    assert environ[VARIABLE] == f"glibc.malloc.arena_max=2:{TUNABLE}=1"


def test_a_users_own_choice_stands():
    environ = {VARIABLE: f"{TUNABLE}=0"}
    assert not ask_for_huge_pages(environ)
    assert environ[VARIABLE] == f"{TUNABLE}=0"
