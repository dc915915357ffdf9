"""`tanggap route`: decisions offline on JSON Lines, shadow comparison, evaluation, training."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any

import click
import orjson
import typer
from typer.core import TyperGroup

if TYPE_CHECKING:
    from schemas.directory import Directory
    from services.router.rules import RuleSet


class _DecideByDefault(TyperGroup):
    """`tanggap route FILE` decides; `tanggap route train` trains: a first word that is not a
    subcommand is the input of the default one."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or args[0] not in (*self.commands, "--help"):
            args = ["decide", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(cls=_DecideByDefault, help="The router's decisions offline, and its model")


def _open(source: Path | None) -> IO[str]:
    return sys.stdin if source is None or str(source) == "-" else source.open(encoding="utf-8")


def _write(record: Any) -> None:
    sys.stdout.write(orjson.dumps(record).decode() + "\n")


def _rules(rules: Path | None, model: Path | None, no_model: bool
           ) -> tuple[Directory, RuleSet, Any]:
    from schemas.directory import load_directory
    from services.router.model import load_model
    from services.router.rules import load_rules, with_model
    from services.runtime.settings import RuntimeSettings

    settings = RuntimeSettings()
    directory = load_directory(settings.tenant, settings.tenants_dir)
    current = load_rules(rules or settings.tenants_dir / settings.tenant / "routing.yaml",
                         directory)
    if no_model:
        current = with_model(current, None)
    elif model is not None:
        current = with_model(current, load_model(model))
    return directory, current, settings


@app.command("decide")
def route(
    source: Annotated[Path | None, typer.Argument(
        help="JSON Lines with id, channel, text (stdin when omitted or '-')")] = None,
    rules: Annotated[Path | None, typer.Option(
        "--rules", help="routing.yaml to decide with (default: the tenant's own)")] = None,
    model: Annotated[Path | None, typer.Option(
        "--model", help="decide with this model file instead of the one routing.yaml names")
    ] = None,
    no_model: Annotated[bool, typer.Option("--no-model", help="the rules alone")] = False,
    shadow: Annotated[Path | None, typer.Option(
        "--shadow", help="a candidate routing.yaml: report which decisions it changes")] = None,
    shadow_model: Annotated[Path | None, typer.Option(
        "--shadow-model", help="a candidate model file: report which decisions it changes")
    ] = None,
    evaluate: Annotated[bool, typer.Option(
        "--evaluate", help="records carry expected_agency/flags: print accuracy figures")] = False,
    folds: Annotated[int, typer.Option(
        "--folds", help="with --evaluate: k-fold cross-validation of the learned part on the "
        "records (0: none)")] = 0,
) -> None:
    """Route complaints offline through the router's own decision function."""
    from services.router import offline

    directory, current, _ = _rules(rules, model, no_model)
    with _open(source) as lines:
        try:
            records = list(offline.read_records(lines))
        except offline.BadRecord as exc:
            typer.echo(f"route: {exc}", err=True)
            raise typer.Exit(2) from None
    if shadow is not None or shadow_model is not None:
        from services.router.model import load_model
        from services.router.rules import load_rules, with_model

        candidate = load_rules(shadow, directory) if shadow is not None else current
        if shadow_model is not None:
            candidate = with_model(candidate, load_model(shadow_model))
        report = offline.shadow(records, current, candidate)
        _write(report.summary())
        for change in report.changes or []:
            _write(change)
        return
    if not evaluate:
        for record in records:
            _write(offline.decision_record(record, current))
        return
    from services.router.evaluation import evaluate_records

    for line in evaluate_records(records, current, directory, folds):
        typer.echo(line)


@app.command("train")
def train(
    corpus: Annotated[list[str] | None, typer.Option(
        "--corpus", help="labelled JSON Lines, PATH or PATH:FROM-TO (lines, 1-based); "
        "repeatable")] = None,
    from_log: Annotated[bool, typer.Option(
        "--from-log", help="also learn from operators' assignments and agencies' redirects "
        "on Kafka")] = False,
    out: Annotated[Path | None, typer.Option(
        "--out", help="model file to write (default: <var>/router-models/<version>.json.gz)")
    ] = None,
    folds: Annotated[int, typer.Option("--folds", help="k-fold cross-validation (0: none)")
                     ] = 5,
    seed: Annotated[int, typer.Option("--seed")] = 13,
    rules: Annotated[Path | None, typer.Option(
        "--rules", help="routing.yaml whose lexicon the model reads text with")] = None,
    by_source: Annotated[bool, typer.Option(
        "--by-source", help="also score the whole router leaving one corpus out at a time "
        "(each writer's examples judged by a model trained on the others')")] = False,
) -> None:
    """Fit the learned second opinion; it goes live only when routing.yaml names it."""
    import asyncio

    from threadpoolctl import threadpool_limits

    from services.router import training
    from services.router.model import decode

    directory, current, settings = _rules(rules, None, True)
    examples: list[training.Example] = []
    sources: list[dict[str, Any]] = []
    for spec in corpus or ():
        found, about = training.read_corpus(spec)
        examples += found
        sources.append(about)
    if from_log:
        from schemas.topics import catalogue
        from services.router.harvest import label_examples, read_log

        specs = {s.name: s for s in catalogue(directory)}
        found = label_examples(asyncio.run(read_log(settings, specs)), directory)
        examples += found
        sources.append({"source": f"log:{settings.topic_prefix or '(no prefix)'}",
                        "examples": len(found)})
    # Districts are recognised by place, not by words; the model never names one.
    examples = [e for e in examples if (a := directory.get(e.agency)) is not None
                and a.kind != "district"]
    if len({e.agency for e in examples}) < 2:
        typer.echo("train: need labelled examples of at least two agencies "
                   "(--corpus and/or --from-log)", err=True)
        raise typer.Exit(2)
    with threadpool_limits(1):  # on a shared machine, BLAS threads only fight each other
        data = training.fit(examples, current, seed, {"sources": sources})
        figures = training.cross_validate(examples, current, folds, seed) if folds > 1 \
            else None
        grouped = (training.cross_validate_router(examples, current, seed=seed, by_source=True)
                   if by_source else None)
    model = decode(data)
    path = out or settings.var_dir / "router-models" / f"{model.version}.json.gz"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    typer.echo(f"model {model.version}: {len(examples)} examples, {len(model.classes)} "
               f"agencies, {len(model.index)} n-grams -> {path}")
    for about in sources:
        typer.echo(f"  from {about['source']}: {about['examples']} examples")
    for result in (figures, grouped):
        for line in result.lines() if result is not None else ():
            typer.echo(line)
