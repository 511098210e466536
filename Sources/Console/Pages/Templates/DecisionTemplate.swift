extension PageTemplates {
    /// `/decisions/{requestId}`: the decision explained, its calls and revisions, and for
    /// reviewers the review form (fields `action` and `reason`).
    static let decision = """
        {{<layout}}
        {{$content}}
        <h1>Request {{requestId}}</h1>
        <section class="summary">
          <p><span class="decision {{decision}}">{{decision}}</span> · revision {{revision}} · next action <strong>{{nextAction}}</strong>{{#retryable}} (retryable){{/retryable}}</p>
          <dl>
            <dt>Subject</dt><dd>{{subject}}</dd>
            <dt>Journey</dt><dd>{{journeyId}}</dd>
            <dt>Decided</dt><dd>{{processedAt}} UTC</dd>
            <dt>The worker decided</dt><dd>{{automatedDecision}}</dd>
            <dt>Reasons</dt><dd>{{reasons}}</dd>
            <dt>Policy</dt><dd>{{policyId}} <code>{{policyHash}}</code></dd>
            <dt>Vendor</dt><dd>{{vendor}}</dd>
          </dl>
        </section>
        {{#images}}
        <section class="images">
          <h2>Images</h2>
          <figure><img src="/decisions/{{path}}/images/idCard" alt="ID card face of request {{requestId}}"><figcaption>ID card face</figcaption></figure>
          <figure><img src="/decisions/{{path}}/images/best" alt="Selfie of request {{requestId}}"><figcaption>Selfie</figcaption></figure>
          <p>SDK bundle: {{bundle}}</p>
        </section>
        {{/images}}
        <h2>Checks</h2>
        {{^checks}}<p>No check could be judged (see the reasons).</p>{{/checks}}
        {{#hasChecks}}
        <table>
          <thead><tr><th scope="col">Check</th><th scope="col">Vendor field</th><th scope="col">Value</th><th scope="col">Rule</th><th scope="col">Threshold</th><th scope="col">Review band</th><th scope="col">Outcome</th></tr></thead>
          <tbody>
          {{#checks}}<tr><td>{{check}}</td><td><code>{{field}}</code></td><td>{{value}}</td><td>{{rule}}</td><td>{{threshold}}</td><td>{{reviewBand}}</td><td><span class="outcome {{outcome}}">{{outcome}}</span></td></tr>{{/checks}}
          </tbody>
        </table>
        {{/hasChecks}}
        <h2>Vendor calls</h2>
        {{^calls}}<p>None.</p>{{/calls}}
        {{#hasCalls}}
        <ol class="timeline">
          {{#calls}}<li><time>{{startedAt}}</time> {{endpoint}} attempt {{attempt}}: {{outcome}}{{#httpStatus}}, HTTP {{httpStatus}}{{/httpStatus}}{{#errorCode}}, {{errorCode}}{{/errorCode}}, {{durationMs}} ms</li>{{/calls}}
        </ol>
        {{/hasCalls}}
        <h2>Revisions</h2>
        <table>
          <thead><tr><th scope="col">Revision</th><th scope="col">When (UTC)</th><th scope="col">Decision</th><th scope="col">Next action</th><th scope="col">By</th><th scope="col">Confirmed by</th><th scope="col">Why</th></tr></thead>
          <tbody>
          {{#history}}<tr><td>{{revision}}</td><td>{{recordedAt}}</td><td>{{decision}}</td><td>{{nextAction}}</td><td>{{actor}}</td><td>{{confirmedBy}}</td><td>{{reason}}</td></tr>{{/history}}
          </tbody>
        </table>
        {{#pending}}
        <section class="pending">
          <h2>Waiting for a second reviewer</h2>
          <p>{{proposedBy}} proposed <strong>{{action}}</strong> on {{proposedAt}} UTC: {{reason}}</p>
          {{#canSettle}}
          <form method="post" action="/reviews/{{reviewId}}/confirm" class="inline">
            <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Confirm</button>
          </form>
          <form method="post" action="/reviews/{{reviewId}}/decline" class="inline">
            <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Decline</button>
          </form>
          {{/canSettle}}
        </section>
        {{/pending}}
        {{#reviewForm}}
        <section class="review">
          <h2>Review</h2>
          <form method="post" action="/decisions/{{path}}/review">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <input type="hidden" name="expectedRevision" value="{{revision}}">
            <fieldset>
              <legend>Action</legend>
              <label><input type="radio" name="action" value="approve" required> Approve</label>
              <label><input type="radio" name="action" value="reject"> Reject</label>
              <label><input type="radio" name="action" value="request_retake"> Ask for new photos</label>
            </fieldset>
            <label for="reason">Reason</label>
            <textarea id="reason" name="reason" rows="3" maxlength="2000" required></textarea>
            <button type="submit">Submit review</button>
          </form>
        </section>
        {{/reviewForm}}
        {{/content}}
        {{/layout}}
        """
}
