"""VOT-RGBT toolkit integration (vot-toolkit 0.7.4 + vot-trax 4.0.2).

* :mod:`~rgbt_track.evaluation.vot.trax_server` - the TraX entry point ``trackers.ini`` launches.
* :mod:`~rgbt_track.evaluation.vot.workspace` - read, validate and copy workspaces (``vot_workspace/``).
* :mod:`~rgbt_track.evaluation.vot.runner` - evaluation, fresh analysis and the toolkit's HTML report.
* :mod:`~rgbt_track.evaluation.vot.results` - the toolkit's analysis JSON as EAO / A / R rows.
* :mod:`~rgbt_track.evaluation.vot.report` - Markdown / CSV tables, A-R and EAO plots, an HTML page.
* :mod:`~rgbt_track.evaluation.vot.paper_numbers` - the published numbers (paper Tables 7 and 8).
"""
TRACKERS = ("RFN-AFAT", "AFAT-RGB", "AFAT-IR")
