"""settings.TEXT_READER chooses the reader behind read_message, like SMS_BACKEND chooses the sender."""
from contacts.reading import Reading, RuleReader, get_reader, read_message


class ShoutingReader:
    """A stand-in reader: everything is a question."""

    def read(self, text):
        return Reading(category="question", opt_out="none", rule="test.shouting")


def test_the_rules_are_the_default():
    assert isinstance(get_reader(), RuleReader)
    assert read_message("STOP").rule == "opt_out.keyword"


def test_the_setting_names_the_reader(settings):
    settings.TEXT_READER = "tests.contacts.test_reading_backend.ShoutingReader"
    assert read_message("STOP").rule == "test.shouting"
    settings.TEXT_READER = "contacts.reading.RuleReader"
    assert read_message("STOP").rule == "opt_out.keyword"
