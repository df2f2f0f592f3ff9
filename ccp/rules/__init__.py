"""The rules language: parsing a rule's Function (Amazon Connect's Rules Function language, Version 2022-11-25)
into a condition tree (`function.py`), compiling an instance's published rules into one matcher (`ruleset.py`:
an Aho–Corasick automaton over every phrase), and the dynamic values of actions (`dynamic.py`). Pure code: no
database, so the engine, the console's Test button and the benchmark all evaluate the same way."""
