"""The application factory, in named steps: configure, extensions, jobs, templates, blueprints, CLI, guard rails."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from flask.globals import _cv_request
from flask.templating import Environment
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import BytecodeCache, ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader, Template
from markupsafe import Markup
from werkzeug.routing import Rule

# Importing every blueprint, model and CLI group here (not in app/__init__) keeps `import app.<x>.models` light.
# Some are imported for what importing them does: the session loader; the background jobs they declare (so a
# worker built with create_app() runs whatever a web process may enqueue); the models the ORM and Alembic must
# see, with what the audit trail may name; the subjects each domain may notify people about, and its reminders;
# the eraser a restore runs (app.core.backups.erasing).
from app import database, models, web  # noqa: F401
from app.agencies.accounts import reminders as access_reminders  # noqa: F401
from app.agencies.accounts.cli import users_cli
from app.agencies.blueprint import bp as agencies_bp
from app.agencies.sign_in import sessions
from app.audit import jobs as audit_jobs  # noqa: F401
from app.audit.blueprint import bp as audit_bp
from app.audit.cli import audit_cli
from app.cases import notifications as case_notifications  # noqa: F401
from app.cases.blueprint import bp as cases_bp
from app.cases.meetings import reminders as action_reminders  # noqa: F401
from app.cases.mis_import import jobs as import_jobs  # noqa: F401
from app.cases.plans import reminders as review_reminders  # noqa: F401
from app.cases.team import reminders as invitation_reminders  # noqa: F401
from app.cases.year_end import jobs as year_end_jobs  # noqa: F401
from app.core import dates, writing
from app.core.backups.cli import backup_cli
from app.core.jobs import services as job_services  # noqa: F401
from app.core.jobs.blueprint import bp as jobs_bp
from app.core.jobs.cli import jobs_cli
from app.core.mail import services as outbox  # noqa: F401
from app.core.mail.blueprint import bp as mail_bp
from app.core.metrics import requests as request_metrics
from app.core.metrics.views import bp as metrics_bp
from app.core.wording import labels, with_article
from app.cpd.blueprint import bp as cpd_bp
from app.cpd.reviews import notifications as review_notifications  # noqa: F401
from app.data_protection.blueprint import bp as data_protection_bp
from app.data_protection.processing.cli import gdpr_cli
from app.data_protection.retention import restored as erased_again  # noqa: F401
from app.data_protection.retention import sweeping as retention_sweep  # noqa: F401
from app.data_protection.retention.cli import retention_cli
from app.demo.cli import demo_cli
from app.extensions import csrf, db, login_manager, migrate
from app.home.blueprint import bp as home_bp
from app.logs import configure_logging
from app.notifications import header as notification_header
from app.notifications import summary as daily_summary  # noqa: F401
from app.notifications.blueprint import bp as notifications_bp
from app.security import limits
from app.security.cli import keys_cli
from app.security.deploy import check_deploy_command, load_config
from app.security.keys import Keyring, KeyringSource, write_key_file
from app.security.learner_keys import init_learner_keys
from app.security.sanitize import WRITING_HINT, render_rich_text, render_writing, stored_writing
from config import BASE_DIR

MIGRATIONS_DIR = BASE_DIR / "migrations"


# What parsing a route's pattern produced (its parts, trace and converters), kept per process by everything it depends
# on: the suite makes an app per test, and parsing every route again was a tenth of each test's time.
_PARSED_ROUTES: dict[tuple, tuple] = {}


class Route(Rule):
    """Werkzeug's rule, parsed once per process (every app after the first takes the first's parse) and with its
    URL-building function compiled when a URL is first built from it rather than when the app is made: every app
    compiled two functions per route (about a tenth of a second per app, which every test and every worker start
    paid), most of them never called by that app."""

    def compile(self) -> None:
        key = (self.rule, self.subdomain, self.host, self.merge_slashes, self.map.host_matching,
               tuple(sorted(self.map.converters.items())))
        parsed = _PARSED_ROUTES.get(key)
        if parsed is None:
            super().compile()
            _PARSED_ROUTES[key] = (self._parts, self._trace, self._converters)
            return
        # Shared, never changed after parsing: the parts the matcher reads, the trace and the converters.
        self._parts, self._trace, self._converters = parsed
        self.arguments.update(name for dynamic, name in self._trace if dynamic)
        self._build = self._compile_builder(False).__get__(self, None)
        self._build_unknown = self._compile_builder(True).__get__(self, None)

    def _compile_builder(self, append_unknown: bool = True):
        compiled = None

        def build(rule, *args, **kwargs):
            nonlocal compiled
            if compiled is None:  # two threads may both compile it: the same function, either is right
                compiled = Rule._compile_builder(rule, append_unknown)
            return compiled(rule, *args, **kwargs)

        return build


class PageTemplate(Template):
    """Jinja's template, but an import (`{% from "x.html" import y %}`) skips a comparison that cannot find anything.

    At every import Jinja compares the importing page's globals with the imported template's, building a set key by
    key through a ChainMap (a page's eight imports cost more than its navigation). Braid's templates add no globals
    of their own, so when the page's globals are all the environment's, the answer is the cached module anyway.
    """

    def _get_default_module(self, ctx=None):
        if ctx is not None and ctx.globals_keys.issubset(self.environment.globals):
            ctx = None
        return super()._get_default_module(ctx)


class PageTemplates(Environment):
    template_class = PageTemplate


# Addresses built once per process (URL_CACHE_SIZE at most, then started afresh): a page links each learner,
# action and review it lists, and building each address through Werkzeug's rules cost a tenth of a home page.
URL_CACHE_SIZE = 4096
_PLAIN_VALUES = (str, int)


class Braid(Flask):
    """Flask, but a view that lost the race for SQLite's write lock runs once more holding it (app.database), routes
    that compile their URL builders on first use (Route), addresses built once (url_for) and cheaper imports in
    templates (PageTemplate)."""

    url_rule_class = Route
    jinja_environment = PageTemplates

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.built_urls: dict[tuple, str] = {}

    def dispatch_request(self):
        return database.dispatch_view(super().dispatch_request)

    def url_for(self, endpoint: str, /, *, _anchor=None, _method=None, _scheme=None, _external=None, **values) -> str:
        """Flask's url_for; inside a request, a relative address of plain values (text, numbers) is built once.

        The key holds everything such an address depends on: the mount point (script name), the endpoint, the
        anchor and every value in order. Anything else (external addresses, a blueprint-relative endpoint, a
        method, values of other types, URL-default functions) is built by Flask each time."""
        context = _cv_request.get(None)
        if (context is None or _external or _scheme is not None or _method is not None or endpoint[:1] == "."
                or not all(type(value) in _PLAIN_VALUES for value in values.values())
                or any(self.url_default_functions.values())):
            return super().url_for(endpoint, _anchor=_anchor, _method=_method, _scheme=_scheme, _external=_external,
                                   **values)
        key = (context.url_adapter.script_name, endpoint, _anchor, *values.items())
        built = self.built_urls.get(key)
        if built is None:
            built = super().url_for(endpoint, _anchor=_anchor, **values)
            if len(self.built_urls) >= URL_CACHE_SIZE:
                self.built_urls.clear()
            self.built_urls[key] = built
        return built


def create_app(config_name: str | None = None, overrides: dict | None = None) -> Flask:
    app = Braid(
        "app",
        instance_path=os.environ.get("BRAID_INSTANCE_PATH") or str(BASE_DIR / "instance"),
        template_folder=str(BASE_DIR / "templates"),
    )
    configure(app, config_name, overrides)
    app.extensions["braid_create_app"] = create_app  # the backup drill opens a restored copy as an app of its own
    trust_proxies(app)
    init_keyring(app)
    init_extensions(app)
    init_templates(app)
    register_blueprints(app)
    init_rate_limits(app)
    register_cli(app)
    web.init_app(app)
    request_metrics.init_app(app)  # after the guard rails: its hook runs first, so even a refusal has its endpoint
    return app


def configure(app: Flask, config_name: str | None, overrides: dict | None) -> None:
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(load_config(config_name, os.environ, Path(app.instance_path)))
    app.config.update(overrides or {})
    configure_logging()  # JSON lines on stderr, secrets scrubbed; once per process


def init_keyring(app: Flask) -> None:
    """Field keys live outside the database; development makes its key file on first start."""

    key_file = Path(app.config["BRAID_FIELD_KEY_FILE"])
    if not app.config["BRAID_FIELD_KEYS"] and app.config["CREATE_FIELD_KEYS"] and not key_file.exists():
        try:
            write_key_file(key_file, Keyring.generate(), exclusive=True)
        except FileExistsError:
            pass  # another process made it first
    app.extensions["braid_keyring"] = KeyringSource(app.config["BRAID_FIELD_KEYS"], key_file)
    init_learner_keys(app)  # each learner's data key, in a key store apart from the database


def init_extensions(app: Flask) -> None:
    database.configure_engine_options(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "agencies.sign_in"
    # No flash: an anonymous request is answered without a session cookie (half of its cost, and nothing stored
    # for a visitor); the sign-in page says "Sign in to continue" itself when it was sent a page to return to.
    login_manager.login_message = None
    login_manager.unauthorized_handler(web.send_to_sign_in)
    login_manager.session_protection = "basic"
    app.session_interface = sessions.SignedCookieSessions()


def trust_proxies(app: Flask) -> None:
    hops = app.config.get("BRAID_TRUSTED_PROXIES", 0)
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def init_rate_limits(app: Flask) -> None:
    """After the blueprints: every view guarded by a rate limit is known by then."""

    limits.init_app(app)


class CompiledTemplates(BytecodeCache):
    """Templates compiled once per process, shared by every app made in it: a server makes one app, but the
    suite makes one per test and would otherwise compile every page again (most of a test's time). Jinja
    keys each entry by the template's name and checks its source, so an edited template is compiled again."""

    def __init__(self) -> None:
        self._compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        code = self._compiled.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket) -> None:
        self._compiled[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = CompiledTemplates()


def init_templates(app: Flask) -> None:
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(BASE_DIR / "templates")),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.bytecode_cache = COMPILED_TEMPLATES

    app.jinja_env.filters["rich_text"] = render_rich_text  # HTML with no allowlist stamp: sanitised as shown
    # Writing: `writing(row, "field")` shows the HTML stored when it was saved (re-sanitised only when stamped
    # older); `stored_writing(version)` the same for a signed snapshot; `as_writing` renders a source now (rare
    # pages: history, merge, conflict). Plain text keeps its shape through cases/concerns/_plain_text.html.
    app.jinja_env.filters["with_article"] = with_article  # "{{ vendor|with_article }} file": "an Arbor file"
    app.jinja_env.filters["labels"] = labels  # "{{ learner.needs|labels('; ') }}"
    app.jinja_env.globals["writing"] = writing.shown
    app.jinja_env.filters["stored_writing"] = stored_writing
    app.jinja_env.filters["as_writing"] = lambda source: Markup(render_writing(source))  # nosec B704 # sanitised
    app.jinja_env.globals["writing_hint"] = WRITING_HINT
    dates.init_app(app)
    notification_header.init_app(app)
    WTFormsHelpers(app)


def register_blueprints(app: Flask) -> None:
    app.register_blueprint(home_bp)
    app.register_blueprint(agencies_bp)
    app.register_blueprint(cases_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(cpd_bp)
    app.register_blueprint(data_protection_bp)
    app.register_blueprint(jobs_bp)
    app.register_blueprint(mail_bp)
    app.register_blueprint(metrics_bp)
    app.register_blueprint(notifications_bp)


def register_cli(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(keys_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(backup_cli)
    app.cli.add_command(gdpr_cli)
    app.cli.add_command(retention_cli)
    app.cli.add_command(check_deploy_command)
