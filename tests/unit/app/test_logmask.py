import logging

from bot.app.logmask import install


def test_personal_data_is_masked_in_any_handler(caplog):
    install()
    install()  # idempotent
    with caplog.at_level(logging.INFO):
        logging.getLogger("rasa.core.processor").info(
            "user said %s", "税号91110108MA01ABCD1E 手机13812345678")
    text = caplog.records[-1].getMessage()
    assert "91110108MA01ABCD1E" not in text and "13812345678" not in text
    assert "138****5678" in text
