"""What the app is made of besides its blueprints and commands, kept on the app itself
(`app.extensions["helpdesk"]`) and filled by create_app: the menu, the seeders of `flask seed`,
the background tasks by name and the periodic jobs of the sweeper (and Celery beat)."""
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FunctionType, ModuleType

from flask import Flask, current_app


@dataclass(frozen=True)
class NavEntry:
    """A menu link for some roles (its dropdown group comes from the endpoint's blueprint)."""

    roles: tuple[str, ...]
    endpoint: str
    label: str


@dataclass(frozen=True)
class TaskSpec:
    """A background task run by name. In-process, a task with a `lane` runs on that lane's
    single thread; a task with a `batch` is covered by one run of that argument-less task."""

    name: str
    fn: Callable
    lane: str = ""
    batch: str = ""


@dataclass(frozen=True)
class PeriodicJob:
    """A function of the app run every `seconds` by the sweeper (or each Celery beat tick)."""

    name: str
    seconds: float
    fn: Callable


@dataclass
class Registry:
    nav: list[NavEntry] = field(default_factory=list)
    seeders: list[Callable[[], object]] = field(default_factory=list)
    tasks: dict[str, TaskSpec] = field(default_factory=dict)
    periodic: list[PeriodicJob] = field(default_factory=list)

    def add_nav(self, *entries: tuple[tuple[str, ...], str, str]) -> None:
        self.nav += [NavEntry(*entry) for entry in entries]

    def add_tasks(self, *modules: ModuleType) -> None:
        """The functions of `modules` marked with helpdesk.background.tasks.task."""
        for spec in _marked(modules, "task_spec"):
            self.tasks[spec.name] = spec

    def add_periodic(self, *modules: ModuleType) -> None:
        """The functions of `modules` marked with periodic()."""
        self.periodic += _marked(modules, "periodic_job")


def periodic(name: str, seconds: float):
    """Mark fn(app) as a periodic job run every `seconds` by the sweeper (each Celery beat tick);
    create_app registers the marked functions of the job modules it lists."""
    def decorate(fn):
        fn.periodic_job = PeriodicJob(name, seconds, fn)
        return fn
    return decorate


def _marked(modules, attribute: str) -> list:
    return [getattr(value, attribute) for module in modules for value in vars(module).values()
            if isinstance(value, FunctionType) and value.__module__ == module.__name__
            and hasattr(value, attribute)]


def install(app: Flask) -> Registry:
    """An empty registry on the app (create_app fills it)."""
    return app.extensions.setdefault("helpdesk", Registry())


def registry(app: Flask | None = None) -> Registry:
    """The registry of `app` (by default the current app)."""
    return (app or current_app).extensions["helpdesk"]
