"""The value-flow engine: what each expression of the project may evaluate to.

How data flows through it:

1. ``summarize`` reads one file (CPython's ``ast``; the only module here that
   parses) and reduces it to a :class:`~ailint.flow.summary.FileSummary`: plain
   tuples saying what the file binds, stores, calls and returns, with names
   already resolved to the scope that binds them. A summary depends on the
   file's bytes and module name only, so it is cached by content.
2. ``reach`` chooses the files to summarise: the files that may hold a model
   value (the import fixpoint of the SDK importers) and every project module
   they import, so that a module that only *receives* a client through an
   argument is read too.
3. ``solve`` turns the summaries and the provider knowledge into a
   :class:`~ailint.flow.program.Program` by one fixpoint: every binding of a
   name or attribute contributes to its set of values, arguments at every
   project call flow into the callee's parameters, returns flow to the call's
   result, attributes are looked up along the MRO, and a receiver declared as
   an abstract project class dispatches to its subclasses.
4. ``Program`` answers read-only queries: the values of a call's callee, which
   calls are model calls, the call graph, and why a value is where it is
   (``explain``).

Unknown stays unknown: an expression the summaries cannot follow evaluates
to the empty set, and a call on it is not a call site.
"""
