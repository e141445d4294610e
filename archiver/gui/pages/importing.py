"""The import page: bring old mail from files and folders on disk into an account's archive.

The user picks files or folders, the page first looks at them (a dry run of the import job,
in a worker) and shows what each source folder holds; only then can the import start. It
runs in a worker with progress and Cancel, and ends with a summary. Sources are only read.
"""

from __future__ import annotations

import functools
from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from archiver.core.importers.discovery import (
    IMAP_CACHE_REASON,
    NOT_FOUND_REASON,
    NOT_MAIL_REASON,
    NOT_MBOX_REASON,
    PST_EMPTY_REASON,
)
from archiver.core.importers.files import EMPTY_FILE_REASON
from archiver.core.importers.mbox import EMPTY_REASON
from archiver.core.importers.outlook_msg import MSG_NEEDS_READER_REASON, NOT_MSG_REASON
from archiver.core.importers.outlook_pst import (
    ITEM_UNREADABLE_REASON,
    PST_NEEDS_READER_REASON,
    PST_UNREADABLE_REASON,
)
from archiver.core.jobs.importing import DIFFERS_REASON, ImportOptions, ImportResult, run_import
from archiver.core.progress import Progress
from archiver.gui.context import AppContext
from archiver.gui.formatting import number_text, size_text
from archiver.gui.pages.base import JobPage

STEPS = 1000


class ImportPage(JobPage):
    """Pick sources, look at them, import them.

    Signals:
        looked(): the look at the sources (a dry run) ended and its findings are shown.
        imported(): an import ended (done, cancelled or failed) and its summary is shown.
    """

    looked = Signal()
    imported = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self._plan: ImportResult | None = None

        title = QLabel(self.tr("Import old mail"))
        title.setStyleSheet("font-size: 16pt; font-weight: 600;")
        intro = QLabel(
            self.tr(
                "Bring mail kept on this computer into the archive, where it is searched and "
                "kept like archived mail: mbox files, Thunderbird's Local Folders or a whole "
                "Thunderbird profile, Maildir folders, folders of .eml files, Outlook .msg "
                "files and Outlook data files (.pst, .ost). The files are only read, never "
                "changed. Each folder becomes a folder below “Imported”. Outlook keeps no "
                "original of a message: its messages are rebuilt from what Outlook stored."
            )
        )
        intro.setWordWrap(True)
        self.account_box = QComboBox()
        self.account_box.setAccessibleName(self.tr("Account whose archive receives the mail"))
        self.sources = QListWidget()
        self.sources.setAccessibleName(self.tr("Files and folders to import"))
        self.sources.setMaximumHeight(110)
        self.add_files_button = QPushButton(self.tr("Add &files…"))
        self.add_folder_button = QPushButton(self.tr("Add f&older…"))
        self.remove_button = QPushButton(self.tr("&Remove"))
        self.look_button = QPushButton(self.tr("&Look at the sources"))
        self.import_button = QPushButton(self.tr("&Import"))
        self.import_button.setDefault(True)
        self.cancel_button = QPushButton(self.tr("&Cancel"))
        self.found = QTreeWidget()
        self.found.setAccessibleName(self.tr("What the sources hold"))
        self.found.setRootIsDecorated(False)
        self.found.setHeaderLabels(
            [self.tr("Folder in the archive"), self.tr("Messages"), self.tr("New"),
             self.tr("Imported before"), self.tr("Already in the archive"), self.tr("Source")]
        )  # fmt: skip
        header = self.found.header()
        for column in range(5):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.bar = QProgressBar()
        self.bar.setRange(0, STEPS)
        self.bar.setAccessibleName(self.tr("Import progress"))
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        form = QFormLayout()
        form.addRow(self.tr("Into the archive of:"), self.account_box)
        pick = QVBoxLayout()
        for button in (self.add_files_button, self.add_folder_button, self.remove_button):
            pick.addWidget(button)
        pick.addStretch(1)
        chosen = QHBoxLayout()
        chosen.addWidget(self.sources, 1)
        chosen.addLayout(pick)
        actions = QHBoxLayout()
        actions.addWidget(self.look_button)
        actions.addWidget(self.import_button)
        actions.addWidget(self.cancel_button)
        actions.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addLayout(chosen)
        layout.addLayout(actions)
        layout.addWidget(self.error_notice)
        layout.addWidget(self.found, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.bar)
        layout.addWidget(self.summary)

        self.add_files_button.clicked.connect(self._on_add_files)
        self.add_folder_button.clicked.connect(self._on_add_folder)
        self.remove_button.clicked.connect(self._on_remove)
        self.look_button.clicked.connect(self.look)
        self.import_button.clicked.connect(self.start_import)
        self.cancel_button.clicked.connect(self.cancel_job)
        self.account_box.currentIndexChanged.connect(self._forget_plan)
        context.config_changed.connect(self._fill_accounts)
        self._fill_accounts()
        self._update_buttons()

    # --- choosing ------------------------------------------------------------------------

    @Slot()
    def _fill_accounts(self) -> None:
        current = self.account_box.currentText()
        self.account_box.blockSignals(True)
        self.account_box.clear()
        self.account_box.addItems(sorted(self.context.config.accounts))
        if current:
            self.account_box.setCurrentText(current)
        self.account_box.blockSignals(False)
        self._update_buttons()

    def add_sources(self, paths: list[Path]) -> None:
        """Add files or folders to import (each once); what was found before is forgotten."""
        present = {self.sources.item(row).text() for row in range(self.sources.count())}
        for path in paths:
            if str(path) not in present:
                self.sources.addItem(str(path))
                present.add(str(path))
        self._forget_plan()

    def chosen_sources(self) -> list[Path]:
        """Return the files and folders to import, in the order they were added."""
        return [Path(self.sources.item(row).text()) for row in range(self.sources.count())]

    @Slot()
    def _on_add_files(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(
            self,
            self.tr("Choose mail files"),
            str(Path.home()),
            self.tr("Mail files (*.mbox *.mbx *.eml *.msg *.pst *.ost);;All files (*)"),
        )
        self.add_sources([Path(name) for name in names])

    @Slot()
    def _on_add_folder(self) -> None:
        name = QFileDialog.getExistingDirectory(
            self, self.tr("Choose a mail folder or Thunderbird profile"), str(Path.home())
        )
        if name:
            self.add_sources([Path(name)])

    @Slot()
    def _on_remove(self) -> None:
        for item in self.sources.selectedItems():
            self.sources.takeItem(self.sources.row(item))
        self._forget_plan()

    @Slot()
    def _forget_plan(self) -> None:
        self._plan = None
        self.found.clear()
        self.summary.clear()
        self._update_buttons()

    def _update_buttons(self) -> None:
        busy = self.is_busy()
        ready = bool(self.sources.count()) and bool(self.account_box.currentText())
        for widget in (self.add_files_button, self.add_folder_button, self.remove_button,
                       self.account_box, self.sources):  # fmt: skip
            widget.setEnabled(not busy)
        self.look_button.setEnabled(ready and not busy)
        self.import_button.setEnabled(
            ready and not busy and self._plan is not None and self._plan.imported > 0
        )
        self.cancel_button.setEnabled(busy)
        self.bar.setVisible(busy)

    # --- running -------------------------------------------------------------------------

    @Slot()
    def look(self) -> None:
        """Look at the sources (a dry run) and show what each folder holds."""
        self._run(dry_run=True)

    @Slot()
    def start_import(self) -> None:
        """Import the sources looked at."""
        self._run(dry_run=False)

    def _run(self, *, dry_run: bool) -> None:
        if self.is_busy():
            return
        job = functools.partial(
            run_import,
            self.context.archive_root,
            self.account_box.currentText(),
            self.chosen_sources(),
            ImportOptions(dry_run=dry_run, ocr=self.context.config.ocr),
            self.context.config.archive_format,
        )
        self.summary.clear()
        self.bar.setValue(0)
        self.status.setText(
            self.tr("Looking at the sources…") if dry_run else self.tr("Importing…")
        )
        self.run_job(
            job,
            self._on_looked if dry_run else self._on_imported,
            on_progress=self._on_progress,
            on_failure=self._on_failed,
            on_finished=functools.partial(self._on_done, dry_run),
        )
        self._update_buttons()

    @Slot(object)
    def _on_progress(self, progress: Progress) -> None:
        if progress.total:
            self.bar.setValue(int(STEPS * progress.done / progress.total))
            # The folder, never the core's English message ("Scanning …", "Importing").
            text = (
                self.tr("{done} of {total} messages: {where}")
                if progress.folder
                else self.tr("{done} of {total} messages")
            )
            self.status.setText(
                text.format(
                    done=number_text(progress.done),
                    total=number_text(progress.total),
                    where=progress.folder,
                )
            )

    @Slot(object)
    def _on_failed(self, exc: BaseException) -> None:
        self.status.clear()
        self.show_error(exc)

    def _on_done(self, dry_run: bool) -> None:
        """The job ended, its result shown: the page is free again."""
        self._update_buttons()
        (self.looked if dry_run else self.imported).emit()

    @Slot(object)
    def _on_looked(self, result: object) -> None:
        assert isinstance(result, ImportResult)
        self._plan = result
        self._show_folders(result)
        self.status.clear()
        self.summary.setText(self._summary_text(result))

    @Slot(object)
    def _on_imported(self, result: object) -> None:
        assert isinstance(result, ImportResult)
        self._plan = None
        self._show_folders(result)
        self.status.clear()
        self.summary.setText(self._summary_text(result))

    def _show_folders(self, result: ImportResult) -> None:
        self.found.clear()
        for folder in result.folders:
            item = QTreeWidgetItem(
                [folder.folder, number_text(folder.found), number_text(folder.imported),
                 number_text(folder.already), number_text(folder.duplicates), folder.path]
            )  # fmt: skip
            for column in range(1, 5):
                item.setTextAlignment(column, Qt.AlignmentFlag.AlignRight)
            item.setToolTip(5, folder.path)
            self.found.addTopLevelItem(item)

    def _summary_text(self, result: ImportResult) -> str:
        size = size_text(sum(f.bytes_imported for f in result.folders))
        if result.dry_run:
            lines = [
                self.tr(
                    "{found} messages found; {new} ({size}) are new and can be imported."
                ).format(
                    found=number_text(result.found), new=number_text(result.imported), size=size
                )
            ]
        else:
            lines = [
                self.tr("Imported {new} messages ({size}) of {found} found.").format(
                    new=number_text(result.imported), size=size, found=number_text(result.found)
                )
            ]
        if result.already or result.duplicates:
            lines.append(
                self.tr(
                    "{before} were imported before and {twice} are already in the archive; "
                    "they are not stored twice."
                ).format(before=number_text(result.already), twice=number_text(result.duplicates))
            )
        if result.skipped:
            lines.append(
                self.tr("{count} are marked deleted in Thunderbird and were left out.").format(
                    count=number_text(result.skipped)
                )
            )
        for folder in result.folders:
            for problem in folder.unreadable:
                lines.append(
                    self.tr("Unreadable: {where} ({reason})").format(
                        where=problem.where, reason=self._reason(problem.reason)
                    )
                )
            for where in folder.truncated:
                lines.append(
                    self.tr(
                        "The file ends inside a message; it was taken as far as it goes: {where}"
                    ).format(where=where)
                )
        for item in result.not_imported:
            lines.append(
                self.tr("Not imported: {path} ({reason})").format(
                    path=item.path, reason=self._reason(item.reason)
                )
            )
        if result.cancelled:
            lines.append(self.tr("Cancelled at a safe point; import again to finish."))
        if result.error:
            lines.append(self.tr("Stopped: {error}").format(error=result.error))
        if not result.dry_run and result.index_error:
            lines.append(self.tr("The search index catches up on the next search."))
        return "\n".join(lines)

    def _reason(self, reason: str) -> str:
        """Return the core's reason in the user's language (system errors stay as they are)."""
        texts = {
            IMAP_CACHE_REASON: self.tr(
                "the cache of an IMAP account: its mail is on the server; archive it from there"
            ),
            MSG_NEEDS_READER_REASON: self.tr(
                "reading Outlook .msg files needs the additional package olefile, which this "
                "installation lacks (the app for Windows includes it)"
            ),
            PST_NEEDS_READER_REASON: self.tr(
                "reading Outlook .pst and .ost files needs the additional package "
                "libpff-python, which this installation lacks (the app for Windows includes it)"
            ),
            PST_UNREADABLE_REASON: self.tr("the Outlook data file cannot be read"),
            PST_EMPTY_REASON: self.tr("the Outlook data file holds no messages"),
            ITEM_UNREADABLE_REASON: self.tr("the Outlook item cannot be read"),
            NOT_MSG_REASON: self.tr("not an Outlook message file"),
            NOT_FOUND_REASON: self.tr("not found"),
            NOT_MAIL_REASON: self.tr("not a mail file"),
            NOT_MBOX_REASON: self.tr("not an mbox file"),
            EMPTY_REASON: self.tr("empty message"),
            EMPTY_FILE_REASON: self.tr("empty file"),
            DIFFERS_REASON: self.tr("the stored copy differs from the source"),
        }
        for known, text in texts.items():
            if reason == known:
                return text
            if reason.startswith(f"{known} ("):  # the reader's own words follow, untranslated
                return text + reason[len(known) :]
        return reason
