"""Settings → Archive automatically: one schedule, installed in the system's scheduler (Task
Scheduler, systemd, launchd), and what the last automatic run did."""

from __future__ import annotations

import datetime as dt
from functools import partial

from PySide6.QtCore import QTime, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from archiver.core.accounts import PasswordSource
from archiver.core.config import CUTOFF_PRESETS, Config
from archiver.core.errors import ConfigError
from archiver.core.jobs.scheduled import read_scheduled_run
from archiver.core.progress import CancelToken, ProgressCallback
from archiver.core.schedule import Interval, Schedule, default_name
from archiver.core.scheduler import (
    Host,
    SchedulerError,
    home_in_use,
    install,
    is_installed,
    scheduled_command,
    uninstall,
)
from archiver.gui.context import AppContext
from archiver.gui.notices import Tone, notice_label, stylesheet
from archiver.gui.pages.base import JobPage
from archiver.gui.scheduledrun import last_run_text


def _install(
    schedule: Schedule, host: Host, *, report: ProgressCallback, cancel: CancelToken
) -> object:
    install(schedule, scheduled_command(schedule.name, home_in_use()), host, dt.date.today())
    return schedule


def _uninstall(name: str, host: Host, *, report: ProgressCallback, cancel: CancelToken) -> object:
    uninstall(name, host)
    return name


def _installed(name: str, host: Host, *, report: ProgressCallback, cancel: CancelToken) -> object:
    return is_installed(name, host)


class ScheduleSection(JobPage):
    """Choose accounts, interval, cut-off and time; turn automatic archiving on or off.

    The system's scheduler is asked on a pool thread (its tool may take a moment). *host*
    is the scheduler (tests pass one whose tool is recorded, not run).
    """

    def __init__(
        self, context: AppContext, host: Host | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(context, parent)
        self.host = host if host is not None else Host.current()
        self.accounts_combo = QComboBox()
        self.accounts_combo.setAccessibleName(self.tr("Accounts archived automatically"))
        self.every_combo = QComboBox()
        self.every_combo.setAccessibleName(self.tr("How often"))
        for label, interval in [
            (self.tr("every day"), Interval.DAILY),
            (self.tr("every week (Mondays)"), Interval.WEEKLY),
            (self.tr("every month (on the 1st)"), Interval.MONTHLY),
        ]:
            self.every_combo.addItem(label, interval)
        self.cutoff_combo = QComboBox()
        self.cutoff_combo.setAccessibleName(self.tr("Archive mail older than"))
        labels = {
            "3m": self.tr("older than 3 months"),
            "6m": self.tr("older than 6 months"),
            "1y": self.tr("older than 1 year"),
            "2y": self.tr("older than 2 years"),
        }
        for value in CUTOFF_PRESETS:
            self.cutoff_combo.addItem(labels[value], value)
        self.time_edit = QTimeEdit()
        self.time_edit.setDisplayFormat("HH:mm")
        self.time_edit.setAccessibleName(self.tr("Time of day"))
        self.keep_flagged_box = QCheckBox(self.tr("Keep flagged messages on the server"))
        self.keep_unread_box = QCheckBox(self.tr("Keep unread messages on the server"))
        self.save_button = QPushButton(self.tr("Turn o&n"))
        self.save_button.setAccessibleName(self.tr("Turn automatic archiving on"))
        self.save_button.clicked.connect(self._on_save)
        self.remove_button = QPushButton(self.tr("T&urn off"))
        self.remove_button.setAccessibleName(self.tr("Turn automatic archiving off"))
        self.remove_button.clicked.connect(self._on_remove)
        self.state_label = QLabel()
        self.state_label.setWordWrap(True)
        self.state_label.setAccessibleName(self.tr("State of automatic archiving"))
        self.asking_label = notice_label(Tone.WARNING)
        self.asking_label.setAccessibleName(self.tr("Accounts left out"))
        self.last_run_label = notice_label(Tone.SUCCESS)
        self.last_run_label.setAccessibleName(self.tr("Last automatic run"))

        hint = QLabel(
            self.tr(
                "Runs even when the app is closed, as a task of this computer's scheduler. A "
                "run missed while the computer was off is made up when it next starts. Only "
                "accounts whose password is stored can be archived automatically."
            )
        )
        hint.setWordWrap(True)
        hint.setEnabled(False)
        what = QHBoxLayout()
        for caption, widget in [
            (self.tr("Archive"), self.accounts_combo),
            (self.tr("mail"), self.cutoff_combo),
            (None, self.every_combo),
            (self.tr("at"), self.time_edit),
        ]:
            if caption is not None:
                what.addWidget(QLabel(caption))
            what.addWidget(widget)
        what.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.keep_flagged_box)
        buttons.addWidget(self.keep_unread_box)
        buttons.addStretch(1)
        buttons.addWidget(self.remove_button)
        buttons.addWidget(self.save_button)
        box = QGroupBox(self.tr("Archive automatically"))
        box_layout = QVBoxLayout(box)
        box_layout.addWidget(hint)
        box_layout.addLayout(what)
        box_layout.addLayout(buttons)
        box_layout.addWidget(self.state_label)
        box_layout.addWidget(self.asking_label)
        box_layout.addWidget(self.error_notice)
        box_layout.addWidget(self.last_run_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(box)
        self._state_wanted = False  # the scheduler is asked again once the job has ended
        self.job_started.connect(lambda: self._set_buttons(busy=True))
        self.job_finished.connect(self._after_job)
        self._show_config()
        context.config_changed.connect(self._show_config)

    @property
    def schedule(self) -> Schedule | None:
        """The schedule the section shows: the app's one (the first, if the command line
        made more)."""
        schedules = self.context.config.schedules
        return schedules[min(schedules)] if schedules else None

    @Slot()
    def _show_config(self) -> None:
        """Fill the form from the settings; ask the scheduler whether the task is there."""
        config = self.context.config
        shown = self.schedule or Schedule("all", older_than=config.default_cutoff)
        # Items keyed by the accounts joined with commas (names hold none): "" is all. A
        # schedule made on the command line may name several accounts, or an age the
        # presets lack: shown as it is, so that saving the form keeps it.
        self.accounts_combo.clear()
        self.accounts_combo.addItem(self.tr("all accounts"), "")
        for name in sorted(config.accounts):
            self.accounts_combo.addItem(name, name)
        if len(shown.accounts) > 1:
            self.accounts_combo.addItem(", ".join(shown.accounts), ",".join(shown.accounts))
        while self.cutoff_combo.count() > len(CUTOFF_PRESETS):
            self.cutoff_combo.removeItem(self.cutoff_combo.count() - 1)
        if shown.older_than not in CUTOFF_PRESETS:
            self.cutoff_combo.addItem(
                self.tr("older than {age}").format(age=shown.older_than), shown.older_than
            )
        for combo, value in [
            (self.accounts_combo, ",".join(shown.accounts)),
            (self.every_combo, shown.every),
            (self.cutoff_combo, shown.older_than),
        ]:
            combo.setCurrentIndex(max(combo.findData(value), 0))
        self.time_edit.setTime(QTime(shown.at.hour, shown.at.minute))
        self.keep_flagged_box.setChecked(shown.keep_flagged)
        self.keep_unread_box.setChecked(shown.keep_unread)
        self.save_button.setText(self.tr("Sa&ve") if self.schedule else self.tr("Turn o&n"))
        self._set_buttons(busy=self.is_busy())
        asking = self.asking_accounts(self.schedule) if self.schedule else []
        self.asking_label.setText(
            self.tr(
                "Not archived automatically, because their password is asked each time: "
                "{accounts}. Store their password in the system keyring (Accounts → Edit)."
            ).format(accounts=", ".join(asking))
        )
        self.asking_label.setVisible(bool(asking))
        self.refresh_state()

    @Slot()
    def _after_job(self) -> None:
        self._set_buttons(busy=False)
        if self._state_wanted:
            self._state_wanted = False
            self.refresh_state()

    def _set_buttons(self, *, busy: bool) -> None:
        self.save_button.setEnabled(not busy)
        self.remove_button.setEnabled(not busy and self.schedule is not None)

    def showEvent(self, event: QShowEvent) -> None:
        """Read the last automatic run each time the section is shown: one may have ended."""
        super().showEvent(event)
        self.show_last_run()

    def show_last_run(self) -> None:
        """Show what the last automatic run did, if there was one."""
        run = read_scheduled_run(self.context.dirs.config)
        if run is None:
            self.last_run_label.hide()
            return
        text, tone = last_run_text(run)
        self.last_run_label.setText(text)
        self.last_run_label.setStyleSheet(stylesheet(tone))
        self.last_run_label.show()

    @Slot()
    def refresh_state(self) -> None:
        """Say whether automatic archiving is on and whether the scheduler has the task."""
        schedule = self.schedule
        if schedule is None:
            self.state_label.setText(
                self.tr("Off: mail is archived when you start it on the Archive page.")
            )
            return
        self.state_label.setText(self.tr("Asking this computer's scheduler…"))
        if self.is_busy():
            self._state_wanted = True
        else:
            self.run_job(partial(_installed, schedule.name, self.host), self._on_state)

    def _on_state(self, installed: object) -> None:
        if self.schedule is None:
            return
        if installed:
            self.state_label.setText(
                self.tr("On. The task is installed in this computer's scheduler.")
            )
        else:
            self.state_label.setText(
                self.tr(
                    "On, but this computer's scheduler does not have the task: click Save "
                    "to install it again."
                )
            )

    def edited_schedule(self) -> Schedule:
        """The schedule as the form shows it."""
        key = self.accounts_combo.currentData()
        accounts = tuple(key.split(",")) if key else ()
        current = self.schedule
        time = self.time_edit.time()
        return Schedule(
            name=current.name if current is not None else default_name(accounts),
            accounts=accounts,
            every=self.every_combo.currentData(),
            older_than=self.cutoff_combo.currentData(),
            at=dt.time(time.hour(), time.minute()),
            keep_flagged=self.keep_flagged_box.isChecked(),
            keep_unread=self.keep_unread_box.isChecked(),
        )

    def asking_accounts(self, schedule: Schedule) -> list[str]:
        """The schedule's accounts whose password is asked each time."""
        config = self.context.config
        names = schedule.accounts or tuple(sorted(config.accounts))
        return [
            n
            for n in names
            if n in config.accounts and config.accounts[n].password_source is PasswordSource.PROMPT
        ]

    @Slot()
    def _on_save(self) -> None:
        if self.is_busy():
            return
        schedule = self.edited_schedule()
        asking = self.asking_accounts(schedule)
        if asking and not schedule.all_accounts:
            self.show_error(
                self.tr(
                    "The password of {account} is asked each time, so it cannot be archived "
                    "automatically. Store its password in the system keyring (Accounts → "
                    "Edit), or use a password command."
                ).format(account=asking[0])
            )
            return
        self.run_job(
            partial(_install, schedule, self.host),
            self._on_installed,
            on_failure=self._on_scheduler_failed,
        )

    def _on_installed(self, schedule: object) -> None:
        assert isinstance(schedule, Schedule)
        config: Config = self.context.config.with_schedule(schedule)
        try:
            self.context.save_config(config)
        except (ConfigError, OSError) as exc:
            self.show_error(exc)
            return

    @Slot()
    def _on_remove(self) -> None:
        schedule = self.schedule
        if schedule is None or self.is_busy():
            return
        self.run_job(
            partial(_uninstall, schedule.name, self.host),
            self._on_uninstalled,
            on_failure=self._on_scheduler_failed,
        )

    def _on_uninstalled(self, name: object) -> None:
        assert isinstance(name, str)
        try:
            self.context.save_config(self.context.config.without_schedule(name))
        except (ConfigError, OSError) as exc:
            self.show_error(exc)

    def _on_scheduler_failed(self, exc: BaseException) -> None:
        if isinstance(exc, SchedulerError):
            self.show_error(
                self.tr("This computer's scheduler ({tool}) refused: {detail}").format(
                    tool=exc.tool, detail=exc.detail
                )
            )
        else:
            self.show_error(exc)
