"""The PDF engine: the only package of handouts that imports WeasyPrint.

* :mod:`~handouts.render.engine.pdf`: the :class:`Engine` (one font configuration and
  parsed stylesheets per process; lay out, write, join, swap a block);
* :mod:`~handouts.render.engine.fetcher`: the restricted URL fetcher and the checks of
  the images it lets through;
* :mod:`~handouts.render.engine.enginelog`: the rules that turn WeasyPrint's log
  records into :class:`~handouts.errors.Problem` s;
* :mod:`~handouts.render.engine.internals`: the one module that reads WeasyPrint's
  internals (its laid-out box tree); ``tests/test_engine_internals.py`` fails loudly
  when a WeasyPrint release changes what it reads;
* :mod:`~handouts.render.engine.timelimit`: the time limit of one render;
* :mod:`~handouts.render.engine.libraries`: WeasyPrint imported with its C libraries
  opened by soname, without the ~20 processes ``find_library`` starts on Linux.

Importing this package imports nothing heavy; its modules import WeasyPrint (except
``enginelog`` and ``timelimit``), each through ``libraries`` first.
"""
