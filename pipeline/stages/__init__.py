"""The built-in stages, one file each, written with the same API as a stage added with --stages.

They run in this order; an added stage places itself with `after`.
"""

BUILT_IN = ("noise", "filter", "lips", "detect", "stamp")
