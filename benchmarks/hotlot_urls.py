"""The product's URLs plus the hot-lot benchmark's floor, ``POST /bench/bid``: JSON
``{"lot", "amount", "key"}`` in, ``{"bid": {"seq", "amount"}, "errors": []}`` or
``{"bid": null, "errors": [{"code"}]}`` out, as ``bidPlace`` answers, with nothing of
GraphQL around the ``bid_place`` call."""

import json

from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from auctions.services.bidding import bid_place
from config.urls import urlpatterns as product
from kernel.errors import DomainError


@csrf_exempt  # a bearer-token request, as the GraphQL view exempts it
@require_POST
def bare_bid(request):
    if not request.user.is_authenticated:
        return JsonResponse({"bid": None, "errors": [{"code": "UNAUTHENTICATED"}]}, status=401)
    body = json.loads(request.body)
    try:
        outcome = bid_place(
            user=request.user,
            lot_id=int(body["lot"]),
            amount=body["amount"],
            idempotency_key=body["key"],
        )
    except DomainError as exc:
        return JsonResponse({"bid": None, "errors": [{"code": i.code.value} for i in exc.items]})
    bid = outcome.bid
    return JsonResponse({"bid": {"seq": bid.seq, "amount": f"{bid.amount:.2f}"}, "errors": []})


urlpatterns = [path("bench/bid", bare_bid), *product]
