"""What people may do, stage by stage: pure functions of the province's progress and the input.

The workflows' update validators call them before anything enters history, and the web pages will
call the same ones to show a refusal beside the field it concerns. Each takes the state (a
``ProvinceProgress``, or the cycle for the pre-meeting), the calendar time and the update, and
returns the acting person or raises ``refuse(...)`` with the reason.

- ``access``: tokens, roles, provinces and desks: who the actor is and what they may touch.
- ``items``: proposal and outcome items as a list (unique references, known desks).
- ``data_entry``, ``desk_sessions``, ``confirmation``, ``sign_off``: one module per stage.
- ``pre_meeting``: the cycle-wide actions (attendance, replies to the pre-meeting).
"""

from rules.access import refuse

__all__ = ["refuse"]
