from clustering.documents import DocumentRecipe, FeedbackItem, build_document, build_documents, topic_text


def item(**overrides) -> FeedbackItem:
    fields = {
        "interaction_id": "i1",
        "app": "support-bot",
        "user_message": "How do I reset my password?",
        "answer": "To reset your password, open Settings and follow a long explanation...",
        "comment": "The link it gives is broken",
        "correction": "The reset link is under Account > Security",
    }
    return FeedbackItem(**(fields | overrides))


def test_default_document_puts_the_complaint_before_the_question():
    assert build_document(item()) == (
        "The link it gives is broken\nThe reset link is under Account > Security\nHow do I reset my password?"
    )


def test_default_document_leaves_the_answer_out():
    assert "open Settings" not in build_document(item())


def test_recipe_can_include_the_answer():
    assert "open Settings" in build_document(item(), DocumentRecipe(include_answer=True))


def test_missing_parts_are_skipped_without_blank_lines():
    assert build_document(item(comment=None, correction="")) == "How do I reset my password?"


def test_long_parts_are_cut_at_a_word_boundary():
    document = build_document(
        item(comment="word " * 100, correction=None, user_message=""), DocumentRecipe(max_comment_chars=23)
    )
    assert document == "word word word word"


def test_whitespace_is_collapsed():
    assert build_document(item(comment="  too\n\n  slow\t", correction=None, user_message="")) == "too slow"


def test_build_documents_keeps_order():
    assert build_documents([item(comment="a", correction=None), item(comment="b", correction=None)]) == [
        "a\nHow do I reset my password?",
        "b\nHow do I reset my password?",
    ]


def test_the_topic_text_is_the_document_without_its_comment():
    document, topic = build_document(item()), topic_text(item())

    assert topic == "The reset link is under Account > Security\nHow do I reset my password?"
    assert document.splitlines()[1:] == topic.splitlines()
    assert topic_text(item(), DocumentRecipe(include_answer=True, max_answer_chars=20)).endswith("To reset your")
