"""Custom actions (rasa-sdk): thin glue between the dialogue and the services of `bot.app`."""
from bot.app.logmask import install as _mask_personal_data_in_logs

# The action server logs slot values and user text; personal data never reaches the logs.
_mask_personal_data_in_logs()
