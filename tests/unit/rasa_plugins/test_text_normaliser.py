"""ChineseTextNormaliser: full-width and traditional input reads like the training data."""
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

import bot.zhtext
from bot.rasa_plugins.nlu.text_normaliser import ChineseTextNormaliser, normalise_for_nlu


def test_the_component_uses_the_zhtext_function():
    assert normalise_for_nlu is bot.zhtext.normalise_for_nlu


def test_traditional_characters_become_simplified():
    assert normalise_for_nlu("電子稅務局當機了") == "电子税务局当机了"
    assert normalise_for_nlu("開了票但是系統沒顯示") == "开了票但是系统没显示"


def test_full_width_letters_digits_and_punctuation_become_ascii():
    assert normalise_for_nlu("ＵＫｅｙ報錯５０２！") == "UKey报错502!"


def test_zero_width_characters_are_dropped():
    assert normalise_for_nlu("登\u200b錄不上\ufeff") == "登录不上"


def test_financial_numerals_become_what_the_amount_extractor_reads():
    assert normalise_for_nlu("參萬元") == "参万元"


def test_simplified_text_passes_unchanged():
    assert normalise_for_nlu("发票查验平台查无此票") == "发票查验平台查无此票"


def test_messages_and_training_examples_are_normalised_alike():
    component = ChineseTextNormaliser()
    incoming = [Message(data={TEXT: "登錄不上"}), Message(data={TEXT: ""})]
    component.process(incoming)
    assert [m.get(TEXT) for m in incoming] == ["登录不上", ""]

    training = TrainingData([Message(data={TEXT: "發票上傳失敗", "intent": "upload_failure"})])
    component.process_training_data(training)
    assert training.training_examples[0].get(TEXT) == "发票上传失败"
