"""How a script-driven simulation hands a run its scenario: one name, shared by both sides.

The runtime puts the scenario's values, as a JSON object, in this variable of the sandbox's
environment; ``scenario_parameters()`` reads them there. Kept apart from ``scripted`` so that the
tool, which runs inside the sandbox, imports nothing else of the simulation.
"""

SCENARIO_VARIABLE = "META_AGENT_SCENARIO"
