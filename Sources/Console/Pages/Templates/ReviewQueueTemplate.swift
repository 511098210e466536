extension PageTemplates {
    /// `/review-queue`: decisions in review and pending four-eyes actions, oldest first.
    static let reviewQueue = """
        {{<layout}}
        {{$content}}
        <h1>Review queue</h1>
        <p>{{depth}} waiting{{#oldest}}; the oldest for {{oldest}}{{/oldest}}.</p>
        {{^items}}<p>Nothing to review.</p>{{/items}}
        {{#hasItems}}
        <table>
          <thead><tr><th scope="col">Waiting</th><th scope="col">Since (UTC)</th><th scope="col">Request</th><th scope="col">Subject</th><th scope="col">Decision</th><th scope="col">Reasons</th><th scope="col">Pending action</th></tr></thead>
          <tbody>
          {{#items}}
          <tr>
            <td>{{age}}</td><td>{{waitingSince}}</td>
            <td><a href="/decisions/{{path}}">{{requestId}}</a></td>
            <td>{{subject}}</td><td>{{decision}}</td><td>{{reasons}}</td>
            <td>{{#pending}}{{action}} by {{proposedBy}}: {{reason}}
              {{#canSettle}}
              <form method="post" action="/reviews/{{reviewId}}/confirm" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Confirm</button></form>
              <form method="post" action="/reviews/{{reviewId}}/decline" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Decline</button></form>
              {{/canSettle}}
            {{/pending}}{{^pending}}needs a review{{/pending}}</td>
          </tr>
          {{/items}}
          </tbody>
        </table>
        {{/hasItems}}
        <p class="paging">{{#previous}}<a href="{{previous}}" rel="prev">← Older</a> {{/previous}}{{#next}}<a href="{{next}}" rel="next">Newer →</a>{{/next}}</p>
        {{/content}}
        {{/layout}}
        """
}
