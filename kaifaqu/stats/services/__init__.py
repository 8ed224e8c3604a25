"""Writes of the statistics app: every write that touches several rows or changes state, `verb_noun(*, actor, …)`,
in one transaction, attributed in the history. Views, forms, the API, importers and commands call these.

- values.py: recording figures (the one write path of the form, the imports and the API) and its batch checks;
  reopening a locked period;
- assignments.py: data-set assignments (报送任务);
- directory.py: the 四上 directory of each year and the reporting duties it drives;
- targets.py: annual targets (全年目标);
- quality.py: the outlier scan and the follow-up of validation flags;
- config.py: the system administrator's configuration of a form (报表) and its indicators.

The names below are the public ones; import them from `kaifaqu.stats.services`.
"""

from .assignments import assign_data_set, end_assignment
from .config import FormItem, save_data_set, save_validation_rule
from .directory import DirectoryEntry, import_directory, record_year_status, remove_year_status
from .quality import explain_flag, resolve_flag, scan_outliers
from .targets import set_target
from .values import (
    RecordResult,
    Submission,
    SubmissionError,
    active_rules,
    assigned_enterprise_ids,
    check_submissions,
    current_figures,
    record_values,
    reopen_period,
)

__all__ = [
    "DirectoryEntry",
    "FormItem",
    "RecordResult",
    "Submission",
    "SubmissionError",
    "active_rules",
    "assign_data_set",
    "assigned_enterprise_ids",
    "check_submissions",
    "current_figures",
    "end_assignment",
    "explain_flag",
    "import_directory",
    "record_values",
    "record_year_status",
    "remove_year_status",
    "reopen_period",
    "resolve_flag",
    "save_data_set",
    "save_validation_rule",
    "scan_outliers",
    "set_target",
]
