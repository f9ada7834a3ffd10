"""The editors' side of inline feedback, in the Wagtail admin: ask readers about a passage."""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from wagtail.models import Page

from broadsheet.engagement import selectors, services


class PassageQuestionForm(forms.Form):
    article = forms.ModelChoiceField(queryset=Page.objects.none())
    passage = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Copy the words from the article, exactly as published.",
    )
    question = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="e.g. Is this claim sourced well enough?",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["article"].queryset = (
            Page.objects.live()
            .type(*services.commentable_page_types())
            .order_by("-first_published_at")
        )


def passage_questions(request: HttpRequest) -> HttpResponse:
    form = PassageQuestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            comment = services.ask_about_passage(
                page_id=form.cleaned_data["article"].pk,
                user=request.user,
                passage=form.cleaned_data["passage"],
                question=form.cleaned_data["question"],
            )
        except services.CommentError as error:
            for field, message in error.errors.items():
                form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, "Your question is on the article, beside the passage.")
            return redirect(f"{request.path}?asked={comment.pk}")
    return TemplateResponse(
        request,
        "engagement/admin/passage_questions.html",
        {"form": form, "questions": selectors.passage_questions()},
        status=400 if form.errors else 200,
    )
