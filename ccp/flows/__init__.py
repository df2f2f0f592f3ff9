"""The contact-flow engine: Amazon Connect's flow language, parsed, validated, published and run.

Rooms: `document` (parsing, structure, transitions, condition operators), `paths` (`$.` values),
`resources` (ids and ARNs to rows), `blocks/` (one module per block family), `runner` (the
interpreter loop with its step budget), `publish` (save, validate, publish) and `library/`
(flows shipped with the demo).
"""
