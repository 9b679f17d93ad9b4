"""The value-flow engine (``ailint.flow``): summaries, the solver's answers, explanations and the call graph."""

from __future__ import annotations

import ast
import json
import pickle
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from ailint.cli import main
from ailint.flow.reach import decode, encode, reached
from ailint.flow.solve import solve
from ailint.flow.summarize import summarize
from ailint.flow.values import Bnd, Ext, Inst, Mod
from ailint.knowledge import builtin

FLOW = Path(__file__).resolve().parents[1] / "src" / "ailint" / "flow"
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "calls" / "value_flow"


def _program(files: dict[str, str], tests: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    summaries = [summarize(textwrap.dedent(text).encode(), module) for module, text in files.items()]
    return solve(summaries, builtin(), tests)


def _callees(program, module: str, line: int) -> set[str]:  # type: ignore[no-untyped-def]
    summary = program.summaries[module]
    return {str(v) for i, c in enumerate(summary.calls) if c.line == line for v in program.callee_values(module, i)}


def test_flow_reads_no_rule_and_no_setting_and_only_summarize_parses() -> None:
    for path in FLOW.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {
            node.module if isinstance(node, ast.ImportFrom) else alias.name
            for node in ast.walk(tree)
            if isinstance(node, (ast.Import, ast.ImportFrom))
            for alias in node.names
        }
        assert not any(str(name).startswith(("ailint.rules", "ailint.settings")) for name in imported), path.name
        if path.name != "summarize.py":
            assert not {"ast", "libcst"} & {str(name).split(".", 1)[0] for name in imported}, path.name


def test_summaries_are_data_equal_across_runs_and_round_trip() -> None:
    data = (FIXTURE / "app" / "llm.py").read_bytes()
    first, second = summarize(data, "app.llm"), summarize(data, "app.llm")
    assert first == second
    assert pickle.loads(pickle.dumps(first)) == first
    assert decode(json.loads(json.dumps(encode(first)))) == first


def test_a_file_that_does_not_parse_is_an_empty_summary() -> None:
    summary = summarize(b"def broken(:\n", "bad")
    assert summary.error is not None and summary.error.startswith("SyntaxError")
    assert summary.calls == () and summary.stores == ()


def test_every_binding_contributes_and_unknown_stays_unknown() -> None:
    program = _program(
        {
            "app": """
            from openai import OpenAI
            try:
                import openai
            except ImportError:
                openai = None
            client = None
            client = OpenAI() if openai else openai.AzureOpenAI()
            client.chat.completions.create(model="m", messages=[])
            llm = get_llm()
            llm.chat.completions.create(model="m", messages=[])
            """
        }
    )
    assert _callees(program, "app", 9) == {
        "openai.OpenAI().chat.completions.create",
        "openai.AzureOpenAI().chat.completions.create",
    }
    assert _callees(program, "app", 11) == set()  # an undefined name: nothing, whatever it is called


def test_arguments_at_every_call_flow_into_parameters_but_not_from_tests() -> None:
    program = _program(
        {
            "app.agent": """
            class Agent:
                def __init__(self, llm):
                    self.llm = llm

                def run(self, q):
                    return self.llm.invoke(q)
            """,
            "app.main": """
            from langchain_openai import ChatOpenAI
            from app.agent import Agent
            Agent(llm=ChatOpenAI()).run("q")
            """,
            "tests.test_agent": """
            from langchain_anthropic import ChatAnthropic
            from app.agent import Agent
            Agent(ChatAnthropic()).run("q")
            """,
        },
        tests=("tests.test_agent",),
    )
    assert _callees(program, "app.agent", 7) == {"langchain_openai.ChatOpenAI().invoke"}


def test_an_abstract_receiver_dispatches_to_the_subclasses_that_implement_it() -> None:
    program = _program(
        {
            "app": """
            from abc import ABC, abstractmethod
            from openai import OpenAI

            class Model(ABC):
                @abstractmethod
                def complete(self, prompt): ...

            class GPT(Model):
                def complete(self, prompt):
                    return OpenAI().responses.create(model="m", input=prompt)

            class FakeModel(Model):
                def complete(self, prompt):
                    return "canned"

            def answer(model: Model, prompt):
                return model.complete(prompt)
            """
        }
    )
    found = program.callee_values("app", next(i for i, c in enumerate(program.summaries["app"].calls) if c.line == 18))
    assert Bnd("app.GPT.complete", Inst("app.GPT")) in found
    assert not any("FakeModel" in str(v) for v in found)  # test doubles are never dispatched to
    assert "app.GPT.complete" in program.reaching


def test_partials_closures_and_properties_carry_function_values() -> None:
    program = _program(
        {
            "app": """
            import functools
            import litellm

            def make(model):
                def call(messages):
                    return litellm.completion(model=model, messages=messages)
                return call

            class Service:
                @property
                def complete(self):
                    return functools.partial(litellm.acompletion, model="m")

            make("m")([])
            Service().complete(messages=[])
            """
        }
    )
    assert _callees(program, "app", 15) == {"app.make", "app.make.call"}  # make("m"), then what it returned
    assert _callees(program, "app", 16) == {"app.Service", "litellm.acompletion"}  # Service(), then the property
    assert "app.make.call" in program.reaching


def test_a_lazy_module_proxy_is_followed_to_the_module() -> None:
    program = _program(
        {
            "app": """
            import importlib

            class _Lazy:
                def __getattr__(self, name):
                    return getattr(importlib.import_module("litellm"), name)

            litellm = _Lazy()
            litellm.completion(model="m", messages=[])
            """
        }
    )
    assert Ext("litellm.completion") in program.callee_values("app", 2)


def test_reached_follows_imports_downward_from_the_selection() -> None:
    imports = [{"helpers"}, {"util"}, set(), set()]
    importable = [{"main"}, {"helpers"}, {"util"}, {"unrelated"}]
    assert reached({0}, imports, importable) == {0, 1, 2}


def test_callgraph_and_explain_on_the_value_flow_fixture(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURE)
    runner = CliRunner()
    result = runner.invoke(main, ["callgraph", "--models", "--no-cache", "."], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "app.agent.Agent.run": ["app.llm.BaseLLM.ask"],
        "app.agent.Typed.go": ["app.llm.Claude.complete", "app.llm.OpenAILLM.complete"],
        "app.agent.main": ["app.agent.Agent.run", "app.helpers.summarize"],
        "app.helpers.summarize": [],
        "app.llm.BaseLLM.ask": ["app.llm.Claude.complete", "app.llm.OpenAILLM.complete"],
        "app.llm.Claude.complete": [],
        "app.llm.OpenAILLM.complete": [],
        "app.llm.translate": [],
        "tests.test_agent.test_run": ["app.agent.Agent.run"],
    }
    result = runner.invoke(main, ["calls", "--explain", "app/agent.py:14", "."], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "app.agent:14:16: call of self.llm.ask",
        "  callee may be app.llm.Claude().ask: a project function that reaches a model",
        "  callee may be app.llm.OpenAILLM().ask: a project function that reaches a model",
        "    because app.agent.Agent.run:self holds app.agent.Agent(): passed at app.agent:26",
        "    because app.agent.Agent.run:self holds app.agent.Agent()*: the method's receiver at app.agent:13",
        "    because app.agent.Agent.llm holds app.llm.Claude(): assigned at app.agent:11",
        "    because app.agent.Agent.__init__:llm holds app.llm.Claude(): passed at app.agent:25",
        "    because app.agent.Agent.llm holds app.llm.OpenAILLM(): assigned at app.agent:11",
        "    because app.agent.Agent.__init__:llm holds app.llm.OpenAILLM(): passed at app.agent:25",
    ]
    result = runner.invoke(main, ["calls", "--explain", "app/agent.py:x", "."])
    assert result.exit_code == 2 and "PATH:LINE" in result.stderr


def test_a_call_knows_what_is_caught_around_it_in_its_own_function() -> None:
    source = textwrap.dedent(
        """
        import asyncio
        import contextlib
        import openai as oa


        def f(xs):
            try:
                first()
                try:
                    second()
                except oa.RateLimitError:
                    raise
            except (oa.APIError, ValueError) as exc:
                in_handler()
            except Exception as exc:
                raise exc
            with contextlib.suppress(Exception):
                suppressed()

            def inner():
                nested()

            try:
                bare()
            except:
                pass


        async def g(xs):
            await asyncio.gather(*[each(x) for x in xs], return_exceptions=True)
        """
    ).encode()
    summary = summarize(source, "m")
    caught = {c.callee[-1]: c.caught for c in summary.calls if c.callee[0] in ("b", "v")}
    api_error = ("u", (("a", ("v", "m", "oa"), "APIError"), ("b", "ValueError")))
    assert caught["first"] == caught["second"] == (api_error,)  # a handler that re-raises keeps nothing
    assert caught["in_handler"] == () and caught["nested"] == ()
    assert caught["suppressed"] == (("suppress", ("a", ("v", "m", "contextlib"), "suppress"), (("b", "Exception"),)),)
    assert caught["bare"] == (("b", "BaseException"),)
    assert caught["each"] == (("settle", ("a", ("v", "m", "asyncio"), "gather")),)
    assert [summary.calls[i].callee[-1] for i in summary.settling] == ["gather"]
    assert decode(json.loads(json.dumps(encode(summary)))) == summary


def test_an_exception_is_followed_to_entry_points_through_every_caller() -> None:
    from ailint.flow.exceptions import ExceptionFlow

    program = _program(
        {
            "app.llm": """
            import abc
            from openai import OpenAI

            client = OpenAI()

            class Model(abc.ABC):
                @abc.abstractmethod
                def ask(self, prompt): ...

            class Chat(Model):
                def ask(self, prompt):
                    return client.chat.completions.create(model="m", messages=[])

            def run(model: Model, prompt):
                return model.ask(prompt)
            """,
            "app.jobs": """
            from acme.resilience import guarded
            from app.llm import run

            @guarded
            def nightly(model):
                return run(model, "digest")

            def weekly(model):
                try:
                    return run(model, "digest")
                except Exception:
                    return None
            """,
            "app.cli": """
            from app.llm import run

            def main(model):
                return run(model, "hello")
            """,
            "tests.test_cli": """
            from app.cli import main

            def test_main():
                main(None)
            """,
        },
        tests=("tests.test_cli",),
    )
    summary = program.summaries["app.llm"]
    index = next(i for i, c in enumerate(summary.calls) if c.callee[-1] == "create")
    accepted = {"openai.APIError", "Exception", "BaseException"}
    flow = ExceptionFlow(program, handlers={"acme.resilience.guarded"})
    assert flow.escape("app.llm", index, accepted) == ("app.llm.Chat.ask", "app.llm.run", "app.cli.main")
    assert (
        ExceptionFlow(program, boundaries=["app.cli.*"], handlers={"acme.resilience.guarded"}).escape(
            "app.llm", index, accepted
        )
        is None
    )
    unguarded = ExceptionFlow(program, boundaries=["app.cli.*"]).escape("app.llm", index, accepted)
    assert unguarded == ("app.llm.Chat.ask", "app.llm.run", "app.jobs.nightly")


def test_a_helper_that_calls_what_it_is_given_reaches_a_model_only_where_it_is_given_one() -> None:
    program = _program(
        {
            "app": """
            from openai import OpenAI

            client = OpenAI()

            def retry(fn, *args):
                return fn(*args)

            def ask(q):
                return client.responses.create(model="m", input=q)

            def add(a, b):
                return a + b

            retry(ask, "q")
            retry(add, 1, 2)
            retry(client.embeddings.create, "text")
            """
        }
    )
    calls = program.summaries["app"].calls
    at = {c.line: i for i, c in enumerate(calls)}
    assert program.model_callees("app", at[15]) == ([], ["app.retry"])
    assert program.model_callees("app", at[16]) == ([], [])  # the same helper, given no model
    assert program.model_callees("app", at[17]) == ([], ["app.retry"])
    assert "app.retry" in program.reaching


def test_a_summary_shape_ignores_layout_only() -> None:
    """An edit that only moves lines keeps the solved program (the editor re-solves only on other edits)."""
    before = summarize(
        b"from openai import OpenAI\n\ndef ask(q):\n    return OpenAI().responses.create(input=q)\n", "m"
    )
    moved = summarize(
        b"# a comment\nfrom openai import OpenAI\n\n\ndef ask(q):\n    return OpenAI().responses.create(input=q)\n", "m"
    )
    changed = summarize(
        b"from openai import OpenAI\n\ndef ask(q):\n    return OpenAI().embeddings.create(input=q)\n", "m"
    )
    assert before != moved and before.shape() == moved.shape()
    assert before.shape() != changed.shape()


def test_summaries_cached_by_one_run_survive_a_run_over_part_of_the_tree(tmp_path: Path) -> None:
    from dataclasses import dataclass

    from ailint.cache import Cache
    from ailint.flow import reach
    from ailint.settings import Settings

    @dataclass
    class Source:
        data: bytes
        digest: str

    cache = Cache(tmp_path, Settings(root=tmp_path))
    first, second = Source(b"import openai\n", "d1"), Source(b"x = 1\n", "d2")
    reach.summaries([("a", False, first), ("b", False, second)], cache)
    reach.summaries([("a", False, first)], cache)  # a run over part of the tree
    stored = json.loads(next(tmp_path.glob(".ailint_cache/summaries-*.json")).read_text())
    assert sorted(stored) == ["d1:a:0", "d2:b:0"]


def test_two_files_under_one_module_name_are_solved_as_the_first() -> None:
    knowledge = builtin()
    first = summarize(b"from openai import OpenAI\n\nOpenAI().chat.completions.create(model='m')\n", "app", False)
    second = summarize(b"x = 1\nprint(x)\nprint(x)\nprint(x)\n", "app", False)
    program = solve([first, second], knowledge)
    assert program.summaries["app"] is first
    assert program.modules_with_model_calls == frozenset({"app"})


def test_errors_at_a_wrapper_call_are_judged_only_where_a_handler_catches_them(tmp_path: Path) -> None:
    from ailint.api import list_calls
    from ailint.settings import Settings

    (tmp_path / "llm.py").write_text(
        "import openai\n\nclient = openai.OpenAI(timeout=5)\n\n\ndef ask(q):\n"
        "    return client.chat.completions.create(model='m', messages=[])\n"
    )
    (tmp_path / "app.py").write_text(
        "from llm import ask\n\n\ndef plain(q):\n    return ask(q)\n\n\ndef quiet(q):\n"
        "    try:\n        return ask(q)\n    except Exception:\n        return None\n"
    )
    from ailint.rules.registry import ALL_CODES

    result = list_calls([tmp_path], Settings(root=tmp_path, enabled=frozenset(ALL_CODES)), cwd=tmp_path)
    errors = {(c.path, c.span.line): c.checks.get("errors") for c in result.calls}
    assert errors == {("llm.py", 7): "fail", ("app.py", 5): "n/a", ("app.py", 10): "fail"}


def test_values_memoised_in_earlier_rounds_are_those_a_fresh_round_would_compute(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The solver keeps a memoised lookup across rounds only while no set it read has grown: the program is
    the one solved with every memo dropped at each round (here a client reaches ``h.client`` rounds late)."""
    from ailint.flow import solve as solver

    files = {
        "app": """
        from openai import OpenAI

        class Holder:
            pass

        def use(h):
            return h.client.chat.completions.create(model="m", messages=[])

        def late():
            h = Holder()
            h.client = make()
            return use(h)

        def make():
            return build()

        def build():
            return wrap(OpenAI())

        def wrap(client):
            return client
        """
    }
    fixture = {
        ".".join(path.relative_to(FIXTURE).with_suffix("").parts).removesuffix(".__init__"): path.read_text()
        for path in sorted(FIXTURE.rglob("*.py"))
    }
    for sources in (files, fixture):
        kept = _program(sources)
        with monkeypatch.context() as patched:

            def cleared(memo: solver._Memo, grown: set[object]) -> None:
                memo.now, memo.kept = {}, {}

            patched.setattr(solver._Memo, "renew", cleared)
            fresh = _program(sources)
        assert kept.values == fresh.values
        assert kept.callees == fresh.callees
        assert kept.reasons == fresh.reasons
        assert kept.rounds == fresh.rounds
    program = _program(files)
    line = next(c.line for c in program.summaries["app"].calls if c.callee[0] == "a" and c.line == 8)
    assert "openai.OpenAI().chat.completions.create" in _callees(program, "app", line)


def test_values_hash_the_same_in_every_process() -> None:
    """The solver caps its sets, and what a capped set keeps follows iteration order: hashes must not vary by run."""
    import subprocess
    import sys

    probe = (
        "from ailint.flow.values import *; "
        "print([hash(v) for v in (Ext('openai.OpenAI()'), Mod('m'), Cls('m.C'), Inst('m.C'), Decl('m.B'), "
        "Fn('m.f'), Bnd('m.C.f', Inst('m.C')), Const('gpt-4o'), Input('flask.request', 'system', 'm:3'))])"
    )
    seen = {
        subprocess.run(
            [sys.executable, "-c", probe], env={"PYTHONHASHSEED": seed}, capture_output=True, text=True, check=True
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(seen) == 1
    assert Bnd("m.C.f", Inst("m.C")) == pickle.loads(pickle.dumps(Bnd("m.C.f", Inst("m.C"))))
    assert Ext("x") != Mod("x")


def test_calls_are_the_same_whatever_the_hash_seed(tmp_path: Path) -> None:
    """Facts memoised where a cycle of wrappers is cut are read in an order that does not depend on hashing."""
    import subprocess
    import sys

    (tmp_path / "pyproject.toml").write_text("[tool.ailint]\n")
    (tmp_path / "a.py").write_text(
        "from openai import OpenAI\nfrom b import g, h\n\nclient = OpenAI()\n\n\n"
        "def f(n):\n    if n:\n        return g(n - 1) + h(n)\n"
        "    return client.chat.completions.create(model='m', messages=[]).choices[0].message.content\n"
    )
    (tmp_path / "b.py").write_text(
        "import a\nfrom c import k\n\n\ndef g(n):\n    return a.f(n) + k(n)\n\n\ndef h(n):\n    return k(n)\n"
    )
    (tmp_path / "c.py").write_text("import b\n\n\ndef k(n):\n    return b.g(n - 1) if n else b.h(n)\n")
    outputs = {
        subprocess.run(
            [sys.executable, "-m", "ailint", "calls", "--no-cache", "--format", "json", "."],
            cwd=tmp_path,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
            capture_output=True,
            text=True,
        ).stdout
        for seed in ("0", "1", "2", "3", "4")
    }
    assert len(outputs) == 1
    assert '"kind": "direct"' in outputs.pop()
